import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A load balancer in front of several Parley nodes, as a deployment has: each
 * new TCP connection goes to the next node in turn, and to the one after when
 * a node refuses (it was killed). Bytes pass untouched, so the Host and Origin
 * a browser sends reach the node as they were, and WebSockets just work.
 */
export class TcpBalancer {
  #next = 0;
  /** While set, every new connection goes to this backend first (see `pin`). */
  #pinned: number | null = null;
  readonly #open = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly backends: number[],
  ) {}

  /** Listens on a free loopback port in front of the given backend ports. */
  static async start(backendPorts: number[]): Promise<TcpBalancer> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const balancer = new TcpBalancer(server, port, backendPorts);
    server.on('connection', (client) => balancer.#route(client));
    return balancer;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Which backend the next connection goes to first (for spreading a room over every node). */
  get nextBackend(): number {
    return this.backends[(this.#pinned ?? this.#next) % this.backends.length] as number;
  }

  /**
   * Sends every new connection to backend `index` (in the order given to
   * `start`), or back to turns with null. A test pins a person's page and
   * socket to a node of its choice, so a room spans every node; a pinned
   * backend that refuses still falls over to the next, as usual.
   */
  pin(index: number | null): void {
    if (index !== null && !(index >= 0 && index < this.backends.length)) throw new Error(`no backend ${index}; there are ${this.backends.length}`);
    this.#pinned = index;
  }

  #route(client: Socket, attempt = 0): void {
    this.#track(client);
    client.pause();
    if (attempt >= this.backends.length) {
      client.destroy();
      return;
    }
    const turn = this.#pinned === null ? this.#next++ : this.#pinned + attempt;
    const port = this.backends[turn % this.backends.length] as number;
    const upstream = connect(port, '127.0.0.1');
    upstream.once('connect', () => {
      this.#track(upstream);
      client.pipe(upstream).pipe(client);
      client.resume();
      // Either side ending ends both, the way a dying node drops its clients.
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    });
    upstream.once('error', () => {
      if (!upstream.remoteAddress) this.#route(client, attempt + 1);
      else client.destroy();
    });
    client.on('error', () => upstream.destroy());
  }

  #track(socket: Socket): void {
    this.#open.add(socket);
    socket.once('close', () => this.#open.delete(socket));
  }

  async close(): Promise<void> {
    for (const socket of this.#open) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
