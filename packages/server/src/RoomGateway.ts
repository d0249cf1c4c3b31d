import type { PeerId, PeerInfo, Role, ServerMessage } from '@parley/protocol';
import type { Delivery, RedisRoomService } from './cluster/RedisRoomService.js';
import { decodeSharedPolicy, encodeSharedPolicy } from './cluster/SharedPolicy.js';
import type { Member } from './Member.js';
import type { Maybe } from './maybe.js';
import type { Room } from './Room.js';
import type { RoomRegistry } from './RoomRegistry.js';

/** A leave Redis could not take is tried again this often, for about 10 minutes, then left to a node restart to clean. */
const LEAVE_RETRY_MS = 1000;
const LEAVE_ATTEMPTS = 600;

/** A member's place among everyone in its room, on every node; or why it could not be taken. */
export type Claim =
  | {
      ok: true;
      /** Everyone else in the room, wherever they are connected. */
      peers: PeerInfo[];
      /** It was in the room already, on that node: it resumed here and the others must not see it leave or join. */
      movedFrom?: string;
    }
  /** `changed`: the room was made on another node while this join was checked against other rules; check again. */
  | { ok: false; code: 'room-full' | 'unavailable' | 'changed'; reason: string };

/**
 * How a session reaches the members of its room.
 *
 * This node's `Room` always holds the members connected here, with the
 * room's policy and lobby. Without Redis that is the whole room, and every
 * method answers at once, exactly as the server did before several nodes
 * existed. With REDIS_URL (a RedisRoomService) the room's membership is the
 * Redis directory, shared by all nodes: a place is claimed there atomically
 * (capacity across nodes), and pushes for members held elsewhere go to their
 * node over the bus.
 */
export class RoomGateway {
  constructor(
    private readonly registry: RoomRegistry,
    private readonly shared: RedisRoomService | undefined,
  ) {}

  get isShared(): boolean {
    return this.shared !== undefined;
  }

  /**
   * `member` was just put in this node's `room` (which listed `localPeers`);
   * takes its place among all members. Refused, it is taken out of `room` again.
   * `tokenRole`: the role a room token (or resume token) gave it. `admitted`:
   * `checked` against the room's rules (a join), or `trusted` (a resume token:
   * it was in the room already).
   */
  claim(room: Room, member: Member, localPeers: PeerInfo[], tokenRole: Role | undefined, admitted: 'checked' | 'trusted'): Maybe<Claim> {
    const shared = this.shared;
    if (!shared) return { ok: true, peers: localPeers };
    // The first member here makes this node's room; its rules become everyone's if the room is new everywhere.
    const creating = localPeers.length === 0;
    return shared.join(room.name, member, creating ? encodeSharedPolicy(room.policy) : undefined).then(
      async (joined): Promise<Claim> => {
        if (!joined.ok) {
          this.registry.leave(room, member);
          return joined;
        }
        if (!creating || joined.peers.length === 0) return joined;
        // The room was older, on other nodes: its host is whoever created it there, and its password is theirs.
        if (tokenRole !== 'host') room.policy.forget(member.id);
        const rules = decodeSharedPolicy(joined.policy ?? '{}');
        if (rules && rules.password?.encode() === room.policy.password?.encode()) return joined;
        if (rules && admitted === 'trusted') {
          room.policy.adoptSharedPassword(rules.password);
          return joined;
        }
        // Checked against rules that are not the room's (it was made elsewhere meanwhile): give the place back.
        this.registry.leave(room, member);
        await shared.leave(room.name, member);
        return { ok: false, code: 'changed', reason: `room "${room.name}" changed while this join was checked; try again` };
      },
      (error: unknown): Claim => {
        this.registry.leave(room, member);
        return { ok: false, code: 'unavailable', reason: `the rooms cannot be reached: ${String(error)}` };
      },
    );
  }

  /** Everyone in the room but `member`, as a join reply lists them; undefined when the shared rooms cannot be read. */
  peersOf(room: Room, member: Member): Maybe<PeerInfo[] | undefined> {
    return this.shared ? this.shared.peersOf(room.name, member) : room.peersOf(member);
  }

  /** One push for one member of the room, wherever it is connected. */
  sendTo(room: Room, to: PeerId, message: ServerMessage): Maybe<Delivery> {
    // Held here: delivered now, in the same turn, with or without Redis.
    if (room.sendTo(to, message)) return 'delivered';
    return this.shared ? this.shared.deliverTo(room.name, to, message) : 'not-in-room';
  }

  /**
   * One push for every member but `exceptId`, on every node: this node's at
   * once (also while Redis is away), the others' through their nodes.
   * Failures are reported by the shared service's `error` event.
   */
  broadcast(room: Room, message: ServerMessage, exceptId?: PeerId): void {
    room.broadcast(message, exceptId);
    if (this.shared) void this.shared.broadcastElsewhere(room.name, message, exceptId);
  }

  /** The member's media state changed; later joiners on other nodes read it from the directory. */
  updated(room: Room, member: Member): void {
    if (this.shared) void this.shared.updated(room.name, member);
  }

  /**
   * The member leaves for good; true when it was in the room (so the others
   * are to be told). With Redis away the leave is tried again until Redis
   * answers (a member left in the directory would stay listed everywhere
   * while this node lives); a try that failed may still have run, so after
   * one the others are told whatever the retry finds.
   */
  leave(room: Room, member: Member): Maybe<boolean> {
    const here = this.registry.leave(room, member);
    const shared = this.shared;
    if (!shared) return here;
    return (async () => {
      for (let attempt = 0; attempt < LEAVE_ATTEMPTS && !shared.closed; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, LEAVE_RETRY_MS).unref());
        const left = await shared.tryLeave(room.name, member).catch(() => undefined);
        if (left?.ok) return left.value || attempt > 0;
      }
      return false;
    })();
  }

  /**
   * Lets go of the member here without a word to anyone: another node holds
   * it now, or this node was declared dead and the directory dropped it.
   */
  drop(room: Room, member: Member): void {
    this.registry.leave(room, member);
    this.shared?.drop(member);
  }
}
