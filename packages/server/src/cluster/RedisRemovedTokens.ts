import type { Redis } from 'ioredis';
import { ClusterKeys } from './ClusterKeys.js';
import { redisConnection } from './redisConnection.js';

/**
 * RemovedTokens for every node: a room token (by its hash, never the token)
 * that a host removed from a room, kept in Redis until the token would have
 * expired anyway (`SET PXAT`), so the removed person is refused on every node.
 */
export class RedisRemovedTokens {
  readonly #redis: Redis;
  readonly #keys: ClusterKeys;

  constructor(
    redisUrl: string,
    nodeId: string,
    keys: ClusterKeys = new ClusterKeys(),
    /** Told when a removal could not be written (Redis away): the token then still opens the room. */
    private readonly onError: (error: Error) => void = () => {},
  ) {
    this.#keys = keys;
    this.#redis = redisConnection(redisUrl, { queueWhileDown: false, name: `parley-removed-${nodeId}` });
    this.#redis.on('error', () => {});
  }

  async start(): Promise<void> {
    await this.#redis.connect();
  }

  add(room: string, tokenId: string, expiresAt: number): void {
    // An expiry already past would be refused by Redis; such a token opens nothing anyway.
    if (expiresAt <= Date.now()) return;
    this.#redis
      .set(this.#keys.removedToken(room, tokenId), '1', 'PXAT', expiresAt)
      .catch((error: unknown) => this.onError(error instanceof Error ? error : new Error(String(error))));
  }

  /** Whether the token was removed from `room`; `unavailable` when Redis cannot say. */
  async has(room: string, tokenId: string): Promise<boolean | 'unavailable'> {
    try {
      return (await this.#redis.exists(this.#keys.removedToken(room, tokenId))) === 1;
    } catch {
      return 'unavailable';
    }
  }

  close(): void {
    this.#redis.disconnect();
  }
}
