/**
 * Refused messages within WINDOW_MS after which a client is not slowed but
 * dropped (close 1008): a flood, not a burst. A refusal is said at most once
 * a second, so a flood cannot make us write as fast as it does.
 */
const FLOOD_REFUSALS = 1000;
const WINDOW_MS = 10_000;
const TELL_EVERY_MS = 1_000;

/** One connection's refusals for going too fast. Made at the first one: most clients never get one. */
export class FloodCount {
  #count = 0;
  #since = 0;
  #toldAt = 0;

  /** Whether this refusal should be said to the client (at most once a second). */
  tell(now: number): boolean {
    if (now - this.#toldAt < TELL_EVERY_MS) return false;
    this.#toldAt = now;
    return true;
  }

  /** Counts one refusal; true when the client has become a flood and must be cut off. */
  count(now: number): boolean {
    if (now - this.#since > WINDOW_MS) {
      this.#count = 0;
      this.#since = now;
    }
    return ++this.#count >= FLOOD_REFUSALS;
  }
}
