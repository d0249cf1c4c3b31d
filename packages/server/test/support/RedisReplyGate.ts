import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

/** One client connection through the gate, and its upstream to Redis. */
interface Passage {
  client: Socket;
  upstream: Socket;
  /** The connection's name (CLIENT SETNAME, which ioredis sends first); '' until seen. */
  name: string;
  /** Replies are kept back (see holdAfter). */
  holding: boolean;
  /** Replies kept back while the connection is held, in order. */
  held: Buffer[];
}

/** Bytes a waiter looks for (any case), in one direction of the connections whose name starts with `prefix`. */
interface Watch {
  prefix: string;
  direction: 'to-redis' | 'from-redis';
  text: string;
  /** Called with the connection the text passed on. */
  resolve: (passage: Passage) => void;
}

/**
 * A TCP proxy in front of a real redis-server that can hold back Redis's
 * replies on some of a node's connections while the others flow: what a busy
 * node sees when the replies on one connection queue behind others and those
 * on another connection are read at once. TCP keeps each connection's order
 * and none between two connections, and this makes that gap as wide as a
 * test needs. Commands always pass at once (Redis runs them; only the node
 * hears of it late). Connections are told apart by the name each node gives
 * its own (`parley-directory-<node>`, `parley-bus-reader-<node>`...).
 */
export class RedisReplyGate {
  readonly #passages = new Set<Passage>();
  #watches: Watch[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Listens on a free loopback port in front of Redis at `redisPort`. */
  static async start(redisPort: number): Promise<RedisReplyGate> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const gate = new RedisReplyGate(server, (server.address() as { port: number }).port);
    server.on('connection', (client) => gate.#open(client, redisPort));
    return gate;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * The next time a connection whose name starts with `prefix` sends
   * `command` (any case, e.g. `evalsha`), its replies from then on are kept
   * back, until `release`: that command's answer first. Resolves when the
   * command has gone to Redis. Replies to what the connection sent before
   * (a read the node awaits before it sends the command) still pass.
   */
  holdAfter(prefix: string, command: string, withinMs = 5000): Promise<void> {
    return this.#watch(prefix, 'to-redis', command, withinMs, (passage) => (passage.holding = true));
  }

  /** Bytes kept back so far: Redis has answered (and so has run) what was sent. */
  get heldBytes(): number {
    let bytes = 0;
    for (const passage of this.#passages) for (const chunk of passage.held) bytes += chunk.length;
    return bytes;
  }

  /** Hands over every reply kept back, in order, and lets replies flow again. */
  release(): void {
    for (const passage of this.#passages) {
      passage.holding = false;
      for (const chunk of passage.held.splice(0)) passage.client.write(chunk);
    }
  }

  /**
   * Resolves once `text` passes (or passed, from now on) in `direction` on a
   * connection whose name starts with `prefix`; fails after `withinMs`.
   */
  seen(prefix: string, direction: Watch['direction'], text: string, withinMs = 5000): Promise<void> {
    return this.#watch(prefix, direction, text, withinMs, () => undefined);
  }

  #watch(prefix: string, direction: Watch['direction'], text: string, withinMs: number, then: (passage: Passage) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#watches = this.#watches.filter((watch) => watch.resolve !== done);
        reject(new Error(`"${text}" did not pass ${direction} on a ${prefix}* connection within ${withinMs} ms`));
      }, withinMs);
      const done = (passage: Passage) => {
        clearTimeout(timer);
        then(passage);
        resolve();
      };
      this.#watches.push({ prefix, direction, text: text.toLowerCase(), resolve: done });
    });
  }

  async close(): Promise<void> {
    for (const passage of this.#passages) {
      passage.client.destroy();
      passage.upstream.destroy();
    }
    this.#passages.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #open(client: Socket, redisPort: number): void {
    const upstream = connect(redisPort, '127.0.0.1');
    const passage: Passage = { client, upstream, name: '', holding: false, held: [] };
    this.#passages.add(passage);
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.#passages.delete(passage);
    };
    client.on('data', (chunk: Buffer) => {
      if (passage.name === '') passage.name = /parley-[a-z-]+-[0-9a-zA-Z]+/.exec(chunk.toString('latin1'))?.[0] ?? '';
      this.#notice(passage, 'to-redis', chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      this.#notice(passage, 'from-redis', chunk);
      if (passage.holding) passage.held.push(chunk);
      else client.write(chunk);
    });
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  }

  #notice(passage: Passage, direction: Watch['direction'], chunk: Buffer): void {
    if (this.#watches.length === 0) return;
    const text = chunk.toString('latin1').toLowerCase();
    const met = this.#watches.filter((watch) => watch.direction === direction && passage.name.startsWith(watch.prefix) && text.includes(watch.text));
    if (met.length === 0) return;
    this.#watches = this.#watches.filter((watch) => !met.includes(watch));
    for (const watch of met) watch.resolve(passage);
  }
}
