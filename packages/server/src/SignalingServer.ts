import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ClientSession } from './ClientSession.js';
import type { ServerConfig } from './config.js';
import type { IceServerProvider } from './iceServers.js';
import type { Logger } from './logger.js';
import { isOriginAllowed } from './origin.js';
import type { RoomRegistry } from './RoomRegistry.js';

export const SIGNALING_PATH = '/ws';

export interface SignalingServerOptions {
  config: Pick<ServerConfig, 'maxMessageBytes' | 'heartbeatIntervalMs' | 'allowedOrigins'>;
  registry: RoomRegistry;
  iceServers: IceServerProvider;
  log: Logger;
}

/**
 * The WebSocket side of Parley: accepts upgrades on /ws from allowed origins,
 * gives each socket a ClientSession, and drops sockets that stop answering pings.
 */
export class SignalingServer {
  readonly #wss: WebSocketServer;
  readonly #sessions = new Map<WebSocket, ClientSession>();
  readonly #heartbeat: NodeJS.Timeout;

  constructor(private readonly options: SignalingServerOptions) {
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.config.maxMessageBytes,
      // Compression costs CPU and memory per socket for messages of a few KB.
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.#heartbeat = setInterval(() => this.#checkHeartbeats(), options.config.heartbeatIntervalMs);
    this.#heartbeat.unref();
  }

  get connectionCount(): number {
    return this.#sessions.size;
  }

  /** Takes an HTTP upgrade request; refuses other paths and foreign origins before the handshake. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (request.url ?? '').split('?')[0];
    if (path !== SIGNALING_PATH) return rejectUpgrade(socket, 404, 'Not Found');
    if (!isOriginAllowed(request.headers.origin, request.headers.host, this.options.config.allowedOrigins)) {
      this.options.log.warn({ origin: request.headers.origin }, 'refused WebSocket from a foreign origin');
      return rejectUpgrade(socket, 403, 'Forbidden');
    }
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#accept(ws));
  }

  /** Closes every socket (code 1001, going away) and stops the heartbeat. */
  close(): void {
    clearInterval(this.#heartbeat);
    for (const [ws, session] of this.#sessions) {
      session.handleClose();
      ws.close(1001, 'server shutting down');
    }
    this.#sessions.clear();
    this.#wss.close();
  }

  #accept(ws: WebSocket): void {
    const session = new ClientSession(ws, this.options);
    this.#sessions.set(ws, session);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return session.handleBinary();
      session.handleText(data.toString());
    });
    ws.on('pong', () => {
      session.alive = true;
    });
    ws.on('close', () => {
      session.handleClose();
      this.#sessions.delete(ws);
    });
    // 'error' precedes 'close' (e.g. 1009 for an oversized message); without a
    // listener the error would be thrown and take the whole server down.
    ws.on('error', (error) => {
      this.options.log.debug({ participant: session.id, err: error.message }, 'socket error');
    });
  }

  #checkHeartbeats(): void {
    for (const [ws, session] of this.#sessions) {
      if (!session.alive) {
        this.options.log.info({ participant: session.id }, 'no pong; dropping connection');
        ws.terminate();
        continue;
      }
      session.alive = false;
      ws.ping();
    }
  }
}

function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
