import type { PeerId } from '@parley/protocol';

/**
 * Which node holds each member of the rooms this node reads, so a signal to a
 * member held elsewhere needs no read of the room from Redis.
 *
 * A hint, never the authority: the node a message is sent to checks that it
 * holds the member in that room (decision 0007), and when it does not, reads
 * Redis and passes the message on or drops it (RedisRoomService). So a stale
 * entry costs a detour, never a delivery outside the room. Entries are filled
 * from directory reads (a join's reply, a room read for a delivery), dropped
 * when that node says it no longer holds the member, when a node dies, and
 * after `ttlMs` whatever happens, so a move nobody told us of heals by itself.
 */
export class MemberWhereabouts {
  readonly #ttlMs: number;
  readonly #now: () => number;
  /** room → member → node and when we learnt it. */
  readonly #rooms = new Map<string, Map<PeerId, { node: string; at: number }>>();
  #sweptAt = 0;

  constructor(options: { ttlMs?: number; now?: () => number } = {}) {
    this.#ttlMs = options.ttlMs ?? 5000;
    this.#now = options.now ?? (() => performance.now());
  }

  /** The node holding `id` in `room`, if known and fresh. */
  nodeOf(room: string, id: PeerId): string | undefined {
    const members = this.#rooms.get(room);
    const known = members?.get(id);
    if (!known) return undefined;
    if (this.#now() - known.at > this.#ttlMs) {
      members?.delete(id);
      if (members?.size === 0) this.#rooms.delete(room);
      return undefined;
    }
    return known.node;
  }

  /** A fresh read of the whole room from Redis: it replaces what we knew of it. */
  learnRoom(room: string, entries: readonly { id: PeerId; node: string }[]): void {
    const at = this.#now();
    if (at - this.#sweptAt > this.#ttlMs) this.#sweep(at);
    const members = new Map<PeerId, { node: string; at: number }>();
    for (const entry of entries) members.set(entry.id, { node: entry.node, at });
    if (members.size === 0) this.#rooms.delete(room);
    else this.#rooms.set(room, members);
  }

  forget(room: string, id: PeerId): void {
    const members = this.#rooms.get(room);
    if (!members) return;
    members.delete(id);
    if (members.size === 0) this.#rooms.delete(room);
  }

  forgetRoom(room: string): void {
    this.#rooms.delete(room);
  }

  /** Rooms nobody asks about any more (all our members left) would stay forever: drop what is stale, at most once per ttl. */
  #sweep(now: number): void {
    this.#sweptAt = now;
    for (const [room, members] of this.#rooms) {
      for (const [id, known] of members) if (now - known.at > this.#ttlMs) members.delete(id);
      if (members.size === 0) this.#rooms.delete(room);
    }
  }

  /** A node died: none of its members are where we thought. */
  forgetNode(node: string): void {
    for (const [room, members] of this.#rooms) {
      for (const [id, known] of members) if (known.node === node) members.delete(id);
      if (members.size === 0) this.#rooms.delete(room);
    }
  }
}
