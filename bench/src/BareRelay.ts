import type { Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * The floor any signaling server is measured against: a bare `ws` relay that
 * forwards text and does nothing else — no parsing, no validation, no limits.
 *
 * A socket joins the room named by `?room=` (one shared room when absent) under
 * the id given by `?id=`. A message `@<id>\n<body>` goes to that member of the
 * room only, as `@<sender id>\n<body>`; any other message goes unchanged to
 * every other member (what the two-page first-frame call needs).
 */
export class BareRelay {
  readonly #rooms = new Map<string, Map<string, WebSocket>>();

  private constructor(readonly wss: WebSocketServer) {
    wss.on('connection', (socket, request) => {
      const query = new URL(request.url ?? '/', 'http://relay').searchParams;
      const roomName = query.get('room') ?? '';
      const id = query.get('id') ?? `anonymous-${Math.random().toString(36).slice(2)}`;
      let room = this.#rooms.get(roomName);
      if (!room) this.#rooms.set(roomName, (room = new Map()));
      const members = room;
      members.set(id, socket);
      socket.on('message', (data) => this.#forward(members, id, socket, data.toString()));
      socket.on('close', () => {
        if (members.get(id) === socket) members.delete(id);
        if (members.size === 0 && this.#rooms.get(roomName) === members) this.#rooms.delete(roomName);
      });
    });
  }

  /** Serves the relay on every WebSocket upgrade of `http`. */
  static attach(http: Server): BareRelay {
    return new BareRelay(new WebSocketServer({ server: http, perMessageDeflate: false }));
  }

  #forward(members: Map<string, WebSocket>, from: string, socket: WebSocket, text: string): void {
    if (text.startsWith('@')) {
      const end = text.indexOf('\n');
      const target = end > 0 ? members.get(text.slice(1, end)) : undefined;
      target?.send(`@${from}${text.slice(end)}`);
      return;
    }
    for (const other of members.values()) if (other !== socket) other.send(text);
  }

  close(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }
}
