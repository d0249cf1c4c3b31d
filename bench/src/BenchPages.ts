import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BareRelay } from './BareRelay.js';

const PAGES = fileURLToPath(new URL('../pages/', import.meta.url));
/** Files served from node_modules, as `/vendor/<name>`: the PeerJS client as its users load it. */
const VENDOR: Record<string, string> = {
  'peerjs.min.js': join(dirname(createRequire(import.meta.url).resolve('peerjs')), 'peerjs.min.js'),
};
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

/**
 * The reference pages and, on the same port, the bare `ws` relay (BareRelay):
 * both pages join its one shared room, so it forwards every message to the
 * other page and does nothing else.
 */
export class BenchPages {
  private constructor(
    private readonly http: Server,
    private readonly relay: BareRelay,
    readonly url: string,
  ) {}

  static async start(): Promise<BenchPages> {
    const http = createServer((request, response) => {
      const name = (request.url ?? '/').split('?')[0]?.replace(/^\/+/, '') ?? '';
      const vendor = name.startsWith('vendor/') ? VENDOR[name.slice('vendor/'.length)] : undefined;
      if (!vendor && !/^[a-z-]+\.(html|js)$/.test(name)) return void response.writeHead(404).end();
      readFile(vendor ?? join(PAGES, name))
        .then((body) => response.writeHead(200, { 'Content-Type': TYPES[extname(name)] ?? 'text/plain' }).end(body))
        .catch(() => response.writeHead(404).end());
    });
    const relay = BareRelay.attach(http);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as AddressInfo;
    return new BenchPages(http, relay, `http://127.0.0.1:${port}`);
  }

  get relayUrl(): string {
    return this.url.replace('http', 'ws');
  }

  async stop(): Promise<void> {
    this.relay.close();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}
