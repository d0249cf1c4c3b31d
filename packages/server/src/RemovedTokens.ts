/** Upper bound on remembered removals; past it the oldest are forgotten first. */
const MAX_ENTRIES = 100_000;

/**
 * Room tokens of participants a host removed: such a token no longer opens
 * its room, until it would have expired anyway. Keyed by room and a hash of
 * the token, never the token itself.
 */
export class RemovedTokens {
  /** `room \n tokenId` → when the token expires (ms since the epoch). */
  readonly #removed = new Map<string, number>();

  add(room: string, tokenId: string, expiresAt: number): void {
    this.#prune(Date.now());
    this.#removed.set(`${room}\n${tokenId}`, expiresAt);
    for (const key of this.#removed.keys()) {
      if (this.#removed.size <= MAX_ENTRIES) break;
      this.#removed.delete(key);
    }
  }

  has(room: string, tokenId: string, now = Date.now()): boolean {
    const expiresAt = this.#removed.get(`${room}\n${tokenId}`);
    return expiresAt !== undefined && expiresAt > now;
  }

  #prune(now: number): void {
    for (const [key, expiresAt] of this.#removed) if (expiresAt <= now) this.#removed.delete(key);
  }
}
