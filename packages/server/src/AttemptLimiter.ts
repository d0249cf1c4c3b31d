/**
 * Counts attempts per key (an address, a room) in a sliding window and says
 * when a key has had enough. Used for password guesses: an attempt is counted
 * when it starts (so concurrent guesses cannot slip past while a hash is being
 * computed) and given back when it turns out right.
 */
export class AttemptLimiter {
  readonly #attempts = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    /** Keys remembered at most; past it the oldest are forgotten (memory stays bounded under a spray of addresses). */
    private readonly maxKeys = 10_000,
  ) {}

  /** Whether `key` may try now, counting the attempt when it may. */
  take(key: string, now = Date.now()): boolean {
    const recent = this.#recent(key, now);
    if (recent.length >= this.limit) return false;
    recent.push(now);
    this.#attempts.delete(key);
    this.#attempts.set(key, recent);
    this.#bound();
    return true;
  }

  /** Gives back the last attempt of `key` (it was a right password). */
  refund(key: string): void {
    const recent = this.#attempts.get(key);
    recent?.pop();
    if (recent?.length === 0) this.#attempts.delete(key);
  }

  /** Attempts counted for `key` within the window. */
  count(key: string, now = Date.now()): number {
    return this.#recent(key, now).length;
  }

  #recent(key: string, now: number): number[] {
    const recent = (this.#attempts.get(key) ?? []).filter((at) => now - at < this.windowMs);
    if (recent.length === 0) this.#attempts.delete(key);
    return recent;
  }

  /** Map order is insertion order, refreshed on every take: the first keys are the least recently tried. */
  #bound(): void {
    for (const key of this.#attempts.keys()) {
      if (this.#attempts.size <= this.maxKeys) return;
      this.#attempts.delete(key);
    }
  }
}
