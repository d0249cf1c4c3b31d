import type { PeerInfo } from '@parley/protocol';
import type { Member } from './Member.js';
import { Room } from './Room.js';
import type { RoomPolicy } from './RoomPolicy.js';

export type JoinResult =
  | { ok: true; room: Room; peers: PeerInfo[] }
  | { ok: false; code: 'room-full'; reason: string };

export type CreateResult = { ok: true; room: Room } | { ok: false; reason: string };

export interface RoomRegistryOptions {
  maxParticipants: number;
}

/** All rooms of this server. A room exists while it has members. */
export class RoomRegistry {
  readonly #rooms = new Map<string, Room>();

  constructor(private readonly options: RoomRegistryOptions) {}

  get roomCount(): number {
    return this.#rooms.size;
  }

  get participantCount(): number {
    let count = 0;
    for (const room of this.#rooms.values()) count += room.size;
    return count;
  }

  get(name: string): Room | undefined {
    return this.#rooms.get(name);
  }

  /** Adds `member` to the room, creating it (open, no host) when missing; refuses when the room is full. */
  join(roomName: string, member: Member): JoinResult {
    const existing = this.#rooms.get(roomName);
    if (existing) return this.enter(existing, member);
    const room = new Room(roomName);
    this.#rooms.set(roomName, room);
    return this.enter(room, member);
  }

  /**
   * Creates a room with its creator in it, under `policy`. Refused when the
   * name is taken: the caller decided on a room that no longer matches.
   */
  create(roomName: string, policy: RoomPolicy, creator: Member): CreateResult {
    if (this.#rooms.has(roomName)) return { ok: false, reason: `room "${roomName}" exists` };
    const room = new Room(roomName, policy);
    this.#rooms.set(roomName, room);
    room.add(creator);
    return { ok: true, room };
  }

  /** Adds `member` to a room this registry holds; refuses when it is full. */
  enter(room: Room, member: Member): JoinResult {
    if (room.size >= this.options.maxParticipants) {
      return { ok: false, code: 'room-full', reason: `room "${room.name}" already has ${this.options.maxParticipants} participants` };
    }
    const peers = room.peersOf(member);
    room.add(member);
    return { ok: true, room, peers };
  }

  /** Whether `room` has space for one more. */
  hasSpace(room: Room): boolean {
    return room.size < this.options.maxParticipants;
  }

  /**
   * Removes the member; the room goes when its last member does, and anyone
   * still waiting in its lobby is turned away (nobody is left to let them in).
   */
  leave(room: Room, member: Member): boolean {
    const removed = room.remove(member.id);
    if (room.size === 0 && this.#rooms.get(room.name) === room) {
      this.#rooms.delete(room.name);
      for (const waiter of room.lobby.takeAll()) waiter.deny('the call ended before anyone let you in');
    }
    return removed;
  }
}
