import { randomBytes } from 'node:crypto';
import { ParleyProcess } from './ParleyProcess.js';
import { RedisProcess } from './RedisProcess.js';
import { TcpBalancer } from './TcpBalancer.js';

export interface ParleyClusterOptions {
  /** How many server processes; 3 by default. */
  nodes?: number;
  /** Settings for every node (REDIS_URL and SESSION_SECRET are set by the cluster). */
  env?: Record<string, string>;
}

/**
 * Several Parley nodes as a deployment runs them: one real redis-server, N
 * server processes sharing it (REDIS_URL, one SESSION_SECRET) and a TCP load
 * balancer in front, which sends each new connection to the next node that
 * accepts it. A node can be killed, or restarted on its port, while the
 * others go on. Everything runs on loopback and is stopped by PID.
 */
export class ParleyCluster {
  readonly #nodes: ParleyProcess[];

  private constructor(
    readonly redis: RedisProcess,
    nodes: ParleyProcess[],
    readonly balancer: TcpBalancer,
    readonly env: Record<string, string>,
  ) {
    this.#nodes = nodes;
  }

  static async start(options: ParleyClusterOptions = {}): Promise<ParleyCluster> {
    const redis = await RedisProcess.start();
    // The web app is served as usual, so a browser can open `roomUrl()` through the balancer.
    const env = { SESSION_SECRET: randomBytes(24).toString('hex'), ...options.env, REDIS_URL: redis.url };
    const nodes: ParleyProcess[] = [];
    try {
      for (let i = 0; i < (options.nodes ?? 3); i++) nodes.push(await ParleyProcess.start(env));
      const balancer = await TcpBalancer.start(nodes.map((node) => node.port));
      return new ParleyCluster(redis, nodes, balancer, env);
    } catch (error) {
      for (const node of nodes) await node.kill();
      await redis.stop();
      throw error;
    }
  }

  /** The nodes, in the balancer's order; a restarted node takes its predecessor's place. */
  get nodes(): readonly ParleyProcess[] {
    return this.#nodes;
  }

  /** The balancer's address: what a browser would be given. */
  get url(): string {
    return this.balancer.url;
  }

  /** A room's page through the balancer, as people would be sent. */
  roomUrl(room: string): string {
    return `${this.balancer.url}/r/${room}`;
  }

  get wsUrl(): string {
    return `${this.balancer.url.replace('http', 'ws')}/ws`;
  }

  /** Node `index`'s own WebSocket address, past the balancer (to place a participant on a chosen node). */
  nodeWsUrl(index: number): string {
    return `${this.#node(index).url.replace('http', 'ws')}/ws`;
  }

  /** Stops node `index` with `signal` (SIGTERM: its graceful shutdown; SIGKILL: a crash) and waits for it to exit. */
  async stopNode(index: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.#node(index).kill(signal);
  }

  /** Starts node `index` again on its port (after `stopNode`), with the cluster's settings. */
  async startNode(index: number): Promise<ParleyProcess> {
    const old = this.#node(index);
    if (old.running) throw new Error(`node ${index} is still running; stop it first`);
    const node = await ParleyProcess.start(this.env, { port: old.port });
    this.#nodes[index] = node;
    return node;
  }

  /** Stops the balancer, every node (SIGKILL: nothing to drain in a test) and Redis. Safe to call twice. */
  async stop(): Promise<void> {
    await this.balancer.close().catch(() => undefined);
    for (const node of this.#nodes) await node.kill('SIGKILL');
    await this.redis.stop();
  }

  #node(index: number): ParleyProcess {
    const node = this.#nodes[index];
    if (!node) throw new Error(`no node ${index}; the cluster has ${this.#nodes.length}`);
    return node;
  }
}
