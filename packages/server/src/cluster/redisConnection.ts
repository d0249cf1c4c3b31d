import { Redis } from 'ioredis';

export interface RedisConnectionOptions {
  /**
   * Queue commands while Redis is away (the bus: its messages go once Redis is
   * back) or fail them at once (the directory, presence and nonces: a join or
   * resume is refused now rather than answered late).
   */
  queueWhileDown: boolean;
  /** Shown in `CLIENT LIST`, to tell a node's connections apart. */
  name: string;
}

/**
 * Retry quickly and never slower than every 500 ms: cross-node signaling has
 * to work again within seconds of Redis returning.
 */
const retryDelay = (attempt: number) => Math.min(50 * attempt, 500);

/** A connection with the options every cluster part shares. Errors are reported through the `error` event. */
export function redisConnection(url: string, options: RedisConnectionOptions): Redis {
  return new Redis(url, {
    connectionName: options.name,
    retryStrategy: retryDelay,
    lazyConnect: true,
    enableOfflineQueue: options.queueWhileDown,
    // A queued command waits through any number of reconnects; the owner bounds how many wait.
    maxRetriesPerRequest: options.queueWhileDown ? null : 1,
    // A frozen Redis must not hold a join forever.
    ...(options.queueWhileDown ? {} : { commandTimeout: 2000 }),
  });
}

/** Why a cluster operation could not be done: Redis did not answer in time or is away. */
export interface Unavailable {
  ok: false;
  code: 'unavailable';
  reason: string;
}

export function unavailable(error: unknown): Unavailable {
  return { ok: false, code: 'unavailable', reason: `redis: ${error instanceof Error ? error.message : String(error)}` };
}
