import { MAX_LOBBY_WAITING, type PeerId, type WaiterInfo } from '@parley/protocol';
import type { Room } from './Room.js';

/** Someone held at a room's door: the lobby only lists them and passes on a host's answer. */
export interface Waiter {
  readonly id: PeerId;
  readonly name: string;
  /** A host let them in: they enter `room` (or are told it is now full). */
  admit(room: Room): void;
  /** A host said no, or the call ended: their held join is refused with `reason`. */
  deny(reason: string): void;
}

/**
 * The people waiting to be let into one room, in the order they knocked.
 * State only (no sockets, no timers): it could live in a shared store.
 */
export class Lobby {
  readonly #waiting = new Map<PeerId, Waiter>();

  get size(): number {
    return this.#waiting.size;
  }

  has(id: PeerId): boolean {
    return this.#waiting.has(id);
  }

  /** What hosts see, oldest knock first. */
  list(): WaiterInfo[] {
    return [...this.#waiting.values()].map(({ id, name }) => ({ id, name }));
  }

  /** False when the lobby is full: the knock is refused and nothing changes. */
  add(waiter: Waiter): boolean {
    if (this.#waiting.size >= MAX_LOBBY_WAITING) return false;
    this.#waiting.set(waiter.id, waiter);
    return true;
  }

  /** Takes `id` out of the lobby; undefined when it is not waiting. */
  take(id: PeerId): Waiter | undefined {
    const waiter = this.#waiting.get(id);
    this.#waiting.delete(id);
    return waiter;
  }

  takeAll(): Waiter[] {
    const all = [...this.#waiting.values()];
    this.#waiting.clear();
    return all;
  }
}
