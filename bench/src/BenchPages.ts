import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';

const PAGES = fileURLToPath(new URL('../pages/', import.meta.url));
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

/**
 * The reference pages and, on the same port, a bare `ws` relay: it forwards
 * every message to every other socket and does nothing else, the floor any
 * signaling server is measured against.
 */
export class BenchPages {
  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    readonly url: string,
  ) {}

  static async start(): Promise<BenchPages> {
    const http = createServer((request, response) => {
      const name = (request.url ?? '/').split('?')[0]?.replace(/^\/+/, '') ?? '';
      if (!/^[a-z-]+\.(html|js)$/.test(name)) return void response.writeHead(404).end();
      readFile(join(PAGES, name))
        .then((body) => response.writeHead(200, { 'Content-Type': TYPES[extname(name)] ?? 'text/plain' }).end(body))
        .catch(() => response.writeHead(404).end());
    });
    const wss = new WebSocketServer({ server: http });
    const sockets = new Set<WebSocket>();
    wss.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('message', (data) => {
        for (const other of sockets) if (other !== socket) other.send(data.toString());
      });
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as AddressInfo;
    return new BenchPages(http, wss, `http://127.0.0.1:${port}`);
  }

  get relayUrl(): string {
    return this.url.replace('http', 'ws');
  }

  async stop(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}
