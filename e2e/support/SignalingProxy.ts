import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

/** One JSON frame of the signaling protocol, as it crosses the proxy. */
export type Frame = Record<string, unknown>;

/** A browser connected through the proxy. */
export interface ProxiedClient {
  /** The participant id the server gave it (`joined.selfId`); null before it joined. */
  readonly selfId: string | null;
  /** Sends a frame to the browser as if the server had sent it. */
  inject(frame: Frame): void;
}

/**
 * What a lying signaling server does: each hook sees every frame going its
 * way and returns the frame to pass on (the same, or changed) or null to drop
 * it.
 */
export interface ProxyRules {
  toServer?(frame: Frame, client: ProxiedClient): Frame | null;
  toClient?(frame: Frame, client: ProxiedClient): Frame | null;
}

/**
 * A signaling server that lies, for tests: it stands in front of the real
 * Parley server on its own loopback port, forwards the web app's HTTP
 * requests unchanged (so pages it serves open their WebSocket to it), and
 * relays each browser's /ws connection to the real server through `rules`.
 */
export class SignalingProxy {
  readonly #server: Server;
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #sockets = new Set<WebSocket>();
  readonly #clients = new Set<Client>();

  private constructor(
    server: Server,
    readonly url: string,
  ) {
    this.#server = server;
  }

  static async start(upstreamUrl: string, rules: ProxyRules): Promise<SignalingProxy> {
    const upstream = new URL(upstreamUrl);
    const server = createServer((req, res) => {
      // The app's pages and assets, unchanged: only the WebSocket is the proxy's business.
      const forward = request(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', (error) => res.destroy(error));
      req.pipe(forward);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const proxy = new SignalingProxy(server, `http://127.0.0.1:${port}`);
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => proxy.#upgrade(req, socket, head, upstream, rules));
    return proxy;
  }

  roomUrl(room: string): string {
    return `${this.url}/r/${room}`;
  }

  /** The browsers that joined through the proxy, by participant id. */
  client(selfId: string): ProxiedClient | undefined {
    return [...this.#clients].find((client) => client.selfId === selfId);
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.terminate();
    this.#wss.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, upstream: URL, rules: ProxyRules): void {
    const path = new URL(req.url ?? '/', this.url).pathname;
    this.#wss.handleUpgrade(req, socket, head, (browser) => {
      this.#track(browser);
      if (path !== '/ws') {
        browser.close(1008, 'no such path');
        return;
      }
      // The real server accepts its own origin: the proxy speaks for the page.
      const server = new WebSocket(`ws://${upstream.host}/ws`, { origin: upstream.origin });
      this.#track(server);
      const client = new Client(browser);
      this.#clients.add(client);
      const toServer = rules.toServer?.bind(rules);
      const toClient = rules.toClient?.bind(rules);
      const early: RawData[] = [];
      browser.on('message', (data: RawData, isBinary: boolean) => {
        if (isBinary) return;
        if (server.readyState === WebSocket.CONNECTING) early.push(data);
        else client.relay(data, server, toServer);
      });
      server.on('open', () => {
        for (const data of early.splice(0)) client.relay(data, server, toServer);
      });
      server.on('message', (data: RawData) => client.relay(data, browser, toClient));
      const closeBoth = () => {
        this.#clients.delete(client);
        if (browser.readyState === WebSocket.OPEN) browser.close(1001, 'proxy: the other side closed');
        if (server.readyState === WebSocket.OPEN) server.close(1001, 'proxy: the other side closed');
      };
      browser.on('close', closeBoth);
      server.on('close', closeBoth);
      server.on('error', closeBoth);
    });
  }

  #track(socket: WebSocket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.terminate());
  }
}

class Client implements ProxiedClient {
  selfId: string | null = null;

  constructor(private readonly browser: WebSocket) {}

  inject(frame: Frame): void {
    if (this.browser.readyState === WebSocket.OPEN) this.browser.send(JSON.stringify(frame));
  }

  relay(data: RawData, to: WebSocket, rule: ((frame: Frame, client: ProxiedClient) => Frame | null) | undefined): void {
    const text = rawText(data);
    let frame: Frame | null = null;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) frame = parsed as Frame;
    } catch {
      frame = null;
    }
    if (frame?.['type'] === 'joined' && typeof frame['selfId'] === 'string') this.selfId = frame['selfId'];
    // Frames that are not JSON objects are the server's to refuse: pass them as they are.
    if (!frame || !rule) {
      if (to.readyState === WebSocket.OPEN) to.send(text);
      return;
    }
    const out = rule(frame, this);
    if (out && to.readyState === WebSocket.OPEN) to.send(JSON.stringify(out));
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
