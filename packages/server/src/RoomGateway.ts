import type { ErrorCode, PeerId, PeerInfo, Role, ServerMessage, WaiterInfo } from '@parley/protocol';
import type { HostMode, LobbyMode } from './cluster/RedisRoomDirectory.js';
import type { Delivery, RedisRoomService } from './cluster/RedisRoomService.js';
import { decodeSharedPolicy, encodeSharedPolicy } from './cluster/SharedPolicy.js';
import type { Waiter } from './Lobby.js';
import type { Logger } from './logger.js';
import type { Member } from './Member.js';
import type { Maybe } from './maybe.js';
import type { Room } from './Room.js';
import type { RoomRegistry } from './RoomRegistry.js';
import { handleRoomControl, type RoomControlMessage } from './roomControl.js';
import { handleSharedRoomControl } from './SharedRoomControl.js';

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
      /** For a host of a room shared through Redis: who waits in its lobby (else this node's room knows). */
      waiting?: WaiterInfo[];
      /** Pushes (encoded) that reached the member from other nodes while its place was being taken: delivered after its `joined`. */
      early?: string[];
    }
  /**
   * `changed`: the room was made on another node while this join was checked against other rules; check again.
   * `waiting`: the room's lobby is on (rooms shared through Redis): the joiner now waits in it, and its hosts were told.
   */
  | { ok: false; code: 'room-full' | 'unavailable' | 'changed' | 'waiting'; reason: string };

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
  ) {
    // A host on any node switched the lobby: this node's members hear it, and its copy of the rules follows.
    shared?.on('lobby-switched', (name, enabled) => {
      const room = registry.get(name);
      if (!room) return;
      room.policy.lobby = enabled;
      room.broadcast({ type: 'lobby-changed', enabled });
    });
  }

  get isShared(): boolean {
    return this.shared !== undefined;
  }

  /**
   * `member` was just put in this node's `room` (which listed `localPeers`);
   * takes its place among all members. Refused, it is taken out of `room` again.
   * `tokenRole`: the role a room token (or resume token) gave it. `admitted`:
   * `checked` against the room's rules (a join), or `trusted` (a resume token,
   * or a host's admit: it was let in already). `lobby`: `knock` when the
   * room's lobby applies (a new join), `skip` otherwise. With Redis the
   * lobby is decided there, in the same step as the place; without it the
   * caller decided it already (Admission.place).
   */
  claim(
    room: Room,
    member: Member & Waiter,
    localPeers: PeerInfo[],
    tokenRole: Role | undefined,
    admitted: 'checked' | 'trusted',
    lobby: LobbyMode = 'skip',
  ): Maybe<Claim> {
    const shared = this.shared;
    if (!shared) return { ok: true, peers: localPeers };
    // The first member here makes this node's room; its rules become everyone's if the room is new everywhere.
    const creating = localPeers.length === 0;
    const host: HostMode = tokenRole === 'host' ? 'always' : tokenRole === 'guest' ? 'never' : 'creator';
    return shared.join(room.name, member, creating ? encodeSharedPolicy(room.policy) : undefined, { host, lobby }).then(
      async (joined): Promise<Claim> => {
        if (!joined.ok) {
          this.registry.leave(room, member);
          if (joined.code !== 'waiting') return joined;
          shared.hold(member, room);
          await shared.tell(room.name, joined.hosts, { type: 'knock', peer: { id: member.id, name: member.name } });
          return { ok: false, code: 'waiting', reason: `room "${room.name}" has its lobby on` };
        }
        const rules = decodeSharedPolicy(joined.policy ?? '{}');
        // The room was older, on other nodes: checked against rules that are not the room's (it was made elsewhere meanwhile), the place is given back.
        const otherRules = creating && joined.peers.length > 0 && rules?.password?.encode() !== room.policy.password?.encode();
        if (!rules || (otherRules && admitted === 'checked')) {
          this.registry.leave(room, member);
          await shared.leave(room.name, member);
          return { ok: false, code: 'changed', reason: `room "${room.name}" changed while this join was checked; try again` };
        }
        // This node's copy of the room's rules follows Redis: the password, the lobby switch, and whether this member hosts.
        room.policy.adoptSharedPassword(rules.password);
        room.policy.lobby = rules.lobby;
        if (joined.host) room.policy.addHost(member.id);
        else room.policy.forget(member.id);
        return {
          ok: true,
          peers: joined.peers,
          ...(joined.movedFrom ? { movedFrom: joined.movedFrom } : {}),
          ...(joined.host ? { waiting: joined.waiting ?? [] } : {}),
          ...(joined.early ? { early: joined.early } : {}),
        };
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

  /**
   * A host of `room` who is in the room; for a host's `joined` after a resume on this node.
   * Undefined when the shared lobby cannot be read.
   */
  waitingFor(room: Room): Maybe<WaiterInfo[] | undefined> {
    if (!this.shared) return room.lobby.list();
    return this.shared.lobby.list(room.name).then((listed) => (listed.ok ? listed.value.map(({ id, name }) => ({ id, name })) : undefined));
  }

  /** A waiter gave up (left, closed the tab): out of the lobby, and the hosts told. */
  leaveLobby(room: Room, waiter: Waiter): void {
    const shared = this.shared;
    if (!shared) {
      if (room.lobby.take(waiter.id)) room.broadcastToHosts({ type: 'knock-ended', peerId: waiter.id, outcome: 'left' });
      return;
    }
    shared.unhold(waiter);
    void shared.lobby.giveUp(room.name, waiter.id).then((gaveUp) => {
      if (gaveUp.ok && gaveUp.value) return shared.tell(room.name, gaveUp.value, { type: 'knock-ended', peerId: waiter.id, outcome: 'left' });
      // Redis away: the knock stays listed for the hosts; answering it later reaches nobody and changes nothing.
      if (!gaveUp.ok) shared.report(new Error(`a waiter who left room "${room.name}" is still listed: ${gaveUp.reason}`));
      return undefined;
    });
  }

  /** A host's action (lobby switch, admit, deny, remove): in this node's room, or on every node through Redis. */
  control(message: RoomControlMessage, room: Room, host: Member, log: Logger): Maybe<{ code: ErrorCode; reason: string } | undefined> {
    if (!this.shared) return handleRoomControl(message, { room, registry: this.registry, host, log });
    return handleSharedRoomControl(message, { room, host, rooms: this.shared, log });
  }

  /** One push for one member of the room, wherever it is connected; `encoded`: its text, when the caller has it (see Room.sendTo). */
  sendTo(room: Room, to: PeerId, message: ServerMessage, encoded?: string): Maybe<Delivery> {
    // Held here: delivered now, in the same turn, with or without Redis.
    if (room.sendTo(to, message, encoded)) return 'delivered';
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
