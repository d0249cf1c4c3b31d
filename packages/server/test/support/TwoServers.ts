import type { ServerConfig } from '@parley/server';
import { RedisProcess } from '@parley/testbed';
import { startTestServer } from './server.js';
import { TestClient } from './TestClient.js';

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;

/**
 * Two servers in this process sharing a redis-server of their own (their
 * REDIS_URL), and the clients a test connected to them: in-process, so a test can look at a
 * node's registry. `stop()` closes everything it made. The multi-process
 * cluster (kills, a balancer) is ClusterUnderTest.
 */
export class TwoServers {
  readonly #clients: TestClient[] = [];

  private constructor(
    readonly redis: RedisProcess,
    readonly a: TestServer,
    readonly b: TestServer,
  ) {}

  static async start(config: Partial<ServerConfig>): Promise<TwoServers> {
    const redis = await RedisProcess.start();
    const servers: TestServer[] = [];
    try {
      for (let i = 0; i < 2; i++) servers.push(await startTestServer({ ...config, redisUrl: redis.url }));
    } catch (error) {
      for (const server of servers) await server.close();
      await redis.stop();
      throw error;
    }
    return new TwoServers(redis, servers[0] as TestServer, servers[1] as TestServer);
  }

  /** A client connected to `server`, closed by `stop()`. */
  async connect(server: TestServer): Promise<TestClient> {
    const client = await TestClient.connect(server.wsUrl);
    this.#clients.push(client);
    return client;
  }

  /** Closes what it can even when something fails to close; redis-server, a process of its own, always stops. */
  async stop(): Promise<void> {
    try {
      for (const client of this.#clients.splice(0)) await client.close().catch(() => undefined);
      await this.a.close();
      await this.b.close();
    } finally {
      await this.redis.stop();
    }
  }
}
