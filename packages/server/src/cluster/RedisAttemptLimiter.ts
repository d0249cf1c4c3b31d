import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ClusterKeys } from './ClusterKeys.js';
import { LuaScript } from './LuaScript.js';
import { redisConnection } from './redisConnection.js';

/**
 * KEYS: the key's attempts. ARGV: limit, window ms, a name for this attempt.
 * Forgets attempts older than the window (Redis time, so nodes' clocks do not
 * matter) and counts this one if fewer than `limit` remain. Returns 1 (may
 * try) or 0.
 */
const TAKE = new LuaScript(
  'take-attempt',
  `
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now_ms, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return 1
`,
  1,
);

/**
 * AttemptLimiter's sliding window, counted in Redis for every node at once
 * (wrong-password guesses: with N nodes a guesser still gets 5 a minute, not
 * 5·N). One sorted set per key, expiring with its window.
 */
export class RedisAttemptLimiter {
  readonly #redis: Redis;
  readonly #keys: ClusterKeys;

  constructor(
    redisUrl: string,
    nodeId: string,
    private readonly limit: number,
    private readonly windowMs: number,
    keys: ClusterKeys = new ClusterKeys(),
    /** Told when a refund did not reach Redis (the attempt then counts until the window ends). */
    private readonly onError: (error: Error) => void = () => {},
  ) {
    this.#keys = keys;
    this.#redis = redisConnection(redisUrl, { queueWhileDown: false, name: `parley-attempts-${nodeId}` });
    // Reported through each take's result; the connection keeps retrying by itself.
    this.#redis.on('error', () => {});
  }

  async start(): Promise<void> {
    await this.#redis.connect();
  }

  /** Whether `key` may try now, counting the attempt when it may; `unavailable` when Redis cannot say. */
  async take(key: string): Promise<boolean | 'unavailable'> {
    try {
      return (await TAKE.run(this.#redis, [this.#keys.attempts(key)], [this.limit, this.windowMs, randomBytes(6).toString('base64url')])) === 1;
    } catch {
      return 'unavailable';
    }
  }

  /** Gives back the newest attempt of `key` (it was a right password). */
  refund(key: string): void {
    this.#redis.zpopmax(this.#keys.attempts(key)).catch((error: unknown) => this.onError(error instanceof Error ? error : new Error(String(error))));
  }

  close(): void {
    this.#redis.disconnect();
  }
}
