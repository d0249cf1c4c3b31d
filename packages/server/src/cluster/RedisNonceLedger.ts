import type { Redis } from 'ioredis';
import { ClusterKeys } from './ClusterKeys.js';
import type { NonceLedger, NonceUse } from './NonceLedger.js';
import { redisConnection, unavailable } from './redisConnection.js';

/**
 * Spent nonces in Redis (`SET NX PXAT`): one atomic command decides which of
 * two nodes racing with the same token wins, and Redis forgets the nonce when
 * the token would have expired anyway.
 */
export class RedisNonceLedger implements NonceLedger {
  readonly #redis: Redis;
  readonly #keys: ClusterKeys;

  constructor(redisUrl: string, nodeId: string, keys: ClusterKeys = new ClusterKeys()) {
    this.#keys = keys;
    this.#redis = redisConnection(redisUrl, { queueWhileDown: false, name: `parley-nonces-${nodeId}` });
    // Reported through each use's result; the connection keeps retrying by itself.
    this.#redis.on('error', () => {});
  }

  async start(): Promise<void> {
    await this.#redis.connect();
  }

  async use(nonce: string, expiresAt: number): Promise<NonceUse> {
    try {
      // An expiry already past would be refused by Redis; such a token is dead anyway, so keep it a moment.
      const at = Math.max(expiresAt, Date.now() + 1000);
      const set = await this.#redis.set(this.#keys.nonce(nonce), '1', 'PXAT', at, 'NX');
      return set === 'OK' ? { ok: true } : { ok: false, code: 'nonce-used', reason: 'this resume token was already used' };
    } catch (error) {
      return unavailable(error);
    }
  }

  close(): void {
    this.#redis.disconnect();
  }
}
