import type { JoinedMessage, WaiterInfo } from '@parley/protocol';

/**
 * The room's lobby as this participant knows it: whether newcomers wait for a
 * host, and (hosts only) who waits now, oldest knock first. The Room tells
 * its listeners; this only keeps the state.
 */
export class RoomLobby {
  #enabled: boolean;
  readonly #waiting = new Map<string, WaiterInfo>();

  constructor(joined: JoinedMessage) {
    this.#enabled = joined.lobby;
    this.#setWaiting(joined);
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  get waiting(): readonly WaiterInfo[] {
    return [...this.#waiting.values()];
  }

  /** The server's word after a resume or a fresh join; true when `enabled` changed. */
  reset(joined: JoinedMessage): boolean {
    this.#setWaiting(joined);
    return this.setEnabled(joined.lobby);
  }

  /** True when this changed it. */
  setEnabled(enabled: boolean): boolean {
    if (enabled === this.#enabled) return false;
    this.#enabled = enabled;
    return true;
  }

  knock(waiter: WaiterInfo): void {
    this.#waiting.set(waiter.id, waiter);
  }

  knockEnded(waiterId: string): void {
    this.#waiting.delete(waiterId);
  }

  clear(): void {
    this.#waiting.clear();
  }

  #setWaiting(joined: JoinedMessage): void {
    this.#waiting.clear();
    for (const waiter of joined.waiting ?? []) this.#waiting.set(waiter.id, waiter);
  }
}
