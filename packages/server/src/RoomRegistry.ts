import type { PeerInfo } from '@parley/protocol';
import type { Member } from './Member.js';
import { Room } from './Room.js';

export type JoinResult =
  | { ok: true; room: Room; peers: PeerInfo[] }
  | { ok: false; code: 'room-full'; reason: string };

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

  /** Adds `member` to the room, creating it; refuses when the room is full. */
  join(roomName: string, member: Member): JoinResult {
    const existing = this.#rooms.get(roomName);
    if (existing && existing.size >= this.options.maxParticipants) {
      return {
        ok: false,
        code: 'room-full',
        reason: `room "${roomName}" already has ${this.options.maxParticipants} participants`,
      };
    }
    const room = existing ?? new Room(roomName);
    if (!existing) this.#rooms.set(roomName, room);
    const peers = room.peersOf(member);
    room.add(member);
    return { ok: true, room, peers };
  }

  /** Removes the member; the room goes when its last member does. */
  leave(room: Room, member: Member): boolean {
    const removed = room.remove(member.id);
    if (room.size === 0 && this.#rooms.get(room.name) === room) this.#rooms.delete(room.name);
    return removed;
  }
}
