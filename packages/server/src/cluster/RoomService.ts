import type { PeerId, PeerInfo, ServerMessage, WaiterInfo } from '@parley/protocol';
import type { DirectoryEntry } from './RedisRoomDirectory.js';
import type { Member } from '../Member.js';
import type { RoomRegistry } from '../RoomRegistry.js';

export type RoomServiceJoin =
  /**
   * `movedFrom`: the participant was in the room already, held by that node (it resumed here).
   * `policy`: the room's shared rules (SharedPolicy JSON) when rooms are shared.
   * `early`: pushes (encoded) other nodes sent the member while its join was
   * being answered; the caller delivers them, in order, after its `joined`.
   */
  | { ok: true; peers: PeerInfo[]; movedFrom?: string; policy?: string; host?: boolean; waiting?: WaiterInfo[]; early?: string[] }
  | { ok: false; code: 'room-full' | 'unavailable'; reason: string }
  /** The room's lobby is on: the joiner waits in it now, and `hosts` (on any node) are to be told. */
  | { ok: false; code: 'waiting'; hosts: DirectoryEntry[] };

/**
 * The seam between a session and where rooms live. The session asks; the
 * service answers whether the rooms are in this process (LocalRoomService,
 * the embedded default) or shared by several nodes through Redis
 * (RedisRoomService, chosen when REDIS_URL is set). Asynchronous because the
 * shared one is; the local one answers at once.
 */
export interface RoomService {
  /** Puts `member` (held by this node) in `room`; refuses when the room is full or the rooms cannot be reached. */
  join(room: string, member: Member): Promise<RoomServiceJoin>;
  /** Takes the member out; false when it was not there (it left already, or moved to another node). */
  leave(room: string, member: Member): Promise<boolean>;
  /** Delivers to one member of `room`, wherever it is held; false when it is not in the room. */
  sendTo(room: string, to: PeerId, message: ServerMessage): Promise<boolean>;
  /** Delivers to every member of `room` but `exceptId`, wherever each is held. */
  broadcast(room: string, message: ServerMessage, exceptId?: PeerId): Promise<void>;
  /** The member's media state changed: later joiners must see it. */
  updated(room: string, member: Member): Promise<void>;
}

/** The embedded default: today's RoomRegistry, unchanged, behind the seam. */
export class LocalRoomService implements RoomService {
  constructor(readonly registry: RoomRegistry) {}

  async join(room: string, member: Member): Promise<RoomServiceJoin> {
    const joined = this.registry.join(room, member);
    return joined.ok ? { ok: true, peers: joined.peers } : joined;
  }

  async leave(room: string, member: Member): Promise<boolean> {
    const existing = this.registry.get(room);
    return existing ? this.registry.leave(existing, member) : false;
  }

  async sendTo(room: string, to: PeerId, message: ServerMessage): Promise<boolean> {
    return this.registry.get(room)?.sendTo(to, message) ?? false;
  }

  async broadcast(room: string, message: ServerMessage, exceptId?: PeerId): Promise<void> {
    this.registry.get(room)?.broadcast(message, exceptId);
  }

  async updated(): Promise<void> {
    // The room holds the member object itself: its media is always current.
  }
}
