import type { Redis } from 'ioredis';
import { ClusterKeys } from './ClusterKeys.js';
import { nonceUsed, type NonceLedger, type NonceSpending, type NonceUse } from './NonceLedger.js';
import { redisConnection, unavailable } from './redisConnection.js';

/**
 * Spent nonces in Redis (`SET NX PXAT GET`): one atomic command decides which
 * of two nodes racing with the same token wins (and says why a nonce was spent
 * before: a removal is told as one), and Redis forgets the nonce when the
 * token would have expired anyway.
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

  async use(nonce: string, expiresAt: number, why: NonceSpending = 'used'): Promise<NonceUse> {
    try {
      // An expiry already past would be refused by Redis; such a token is dead anyway, so keep it a moment.
      const at = Math.max(expiresAt, Date.now() + 1000);
      // NX with GET (Redis 7): the previous value when the nonce was spent already, null when this call spent it.
      const previous = (await this.#redis.call('SET', this.#keys.nonce(nonce), why === 'removed' ? 'removed' : '1', 'PXAT', String(at), 'NX', 'GET')) as string | null;
      return previous === null ? { ok: true } : nonceUsed(previous === 'removed' ? 'removed' : 'used');
    } catch (error) {
      return unavailable(error);
    }
  }

  close(): void {
    this.#redis.disconnect();
  }
}
