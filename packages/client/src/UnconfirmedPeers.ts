/**
 * After a resume, the participants the server did not list: a server that
 * restarted lists only those back before us, so each gets a window to turn up
 * (any word from or about them confirms them) before it is given up.
 */
export class UnconfirmedPeers {
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();

  has(id: string): boolean {
    return this.#timers.has(id);
  }

  /** `onExpired` runs when `id` was not confirmed within `windowMs`. */
  expect(id: string, windowMs: number, onExpired: () => void): void {
    if (this.#timers.has(id)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(id);
      onExpired();
    }, windowMs);
    this.#timers.set(id, timer);
  }

  confirm(id: string): void {
    clearTimeout(this.#timers.get(id));
    this.#timers.delete(id);
  }

  clear(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
