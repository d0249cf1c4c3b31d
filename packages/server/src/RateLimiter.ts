/**
 * A token bucket: `burst` messages at once, refilled at `perSecond`. Calls in
 * a negotiation come in bursts (an offer, then a dozen candidates), so the
 * burst is generous and the average strict.
 */
export class RateLimiter {
  #tokens: number;
  #refilledAt: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.#tokens = burst;
    this.#refilledAt = now;
  }

  /** Takes one token; false when the bucket is empty (the message must be refused). */
  take(now = Date.now()): boolean {
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#refilledAt) * this.perSecond) / 1000);
    this.#refilledAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
