import type { ClientMessageType } from '@parley/protocol';
import { RateLimiter } from './RateLimiter.js';

/**
 * Budgets per message type, on top of the connection's overall bucket. A
 * `join` or `resume` costs a room lookup and a signed token, `ice-servers` an
 * HMAC for TURN credentials, `media` a broadcast to the whole room; a real
 * client sends a handful of each per minute, so a few per second is plenty.
 * `signal` has no budget of its own: negotiations come in bursts, and the
 * overall bucket is sized for them.
 *
 * Every type is listed, so a new message type does not compile until someone
 * decides its budget (or that the overall bucket is enough).
 */
const BUDGETS: Record<ClientMessageType, { perSecond: number; burst: number } | 'overall-bucket-only'> = {
  signal: 'overall-bucket-only',
  join: { perSecond: 1, burst: 5 },
  resume: { perSecond: 1, burst: 5 },
  leave: { perSecond: 1, burst: 5 },
  'ice-servers': { perSecond: 0.5, burst: 5 },
  media: { perSecond: 5, burst: 20 },
  // Host actions: a person clicking. Admitting a queue of knocks is the largest burst.
  'set-lobby': { perSecond: 1, burst: 5 },
  admit: { perSecond: 2, burst: 20 },
  deny: { perSecond: 2, burst: 20 },
  remove: { perSecond: 1, burst: 10 },
  // The SDK pings every 5 s to notice a dead connection; nothing more is needed.
  ping: { perSecond: 1, burst: 5 },
};

export class MessageTypeLimits {
  /** Made on first use: most connections only ever send one join and many signals. */
  readonly #buckets = new Map<ClientMessageType, RateLimiter>();

  /** Takes a token for a message of `type`; false when that type's budget is spent. */
  take(type: ClientMessageType, now = Date.now()): boolean {
    const budget = BUDGETS[type];
    if (budget === 'overall-bucket-only') return true;
    let bucket = this.#buckets.get(type);
    if (!bucket) {
      bucket = new RateLimiter(budget.perSecond, budget.burst, now);
      this.#buckets.set(type, bucket);
    }
    return bucket.take(now);
  }
}
