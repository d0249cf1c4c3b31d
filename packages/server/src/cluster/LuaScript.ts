import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A Lua script run by its SHA1 (EVALSHA), sent in full only when Redis does
 * not know it yet: after a start, or after Redis restarted empty.
 */
export class LuaScript {
  readonly #sha: string;

  constructor(
    readonly name: string,
    readonly source: string,
    readonly keyCount: number,
  ) {
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    if (keys.length !== this.keyCount) throw new Error(`${this.name} takes ${this.keyCount} keys, got ${keys.length}`);
    try {
      return await redis.evalsha(this.#sha, this.keyCount, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return await redis.eval(this.source, this.keyCount, ...keys, ...args);
    }
  }

  /**
   * Sends the whole script (EVAL): one command, so it runs right after
   * whatever this connection sent before it, with no NOSCRIPT round trip
   * letting another client's command in between.
   */
  async runInOrder(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    return await redis.eval(this.source, this.keyCount, ...keys, ...args);
  }
}
