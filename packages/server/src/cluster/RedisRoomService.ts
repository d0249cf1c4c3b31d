import { TypedEmitter } from '@parley/protocol';
import { MAX_LOBBY_WAITING, type PeerId, type PeerInfo, type ServerMessage } from '@parley/protocol';
import type { Waiter } from '../Lobby.js';
import type { Member } from '../Member.js';
import type { Room } from '../Room.js';
import type { RedisLobby } from './RedisLobby.js';
import type { NodeBus } from './NodeBus.js';
import type { NodePresence, RoomLoss } from './NodePresence.js';
import type { DirectoryEntry, DirectoryResult, JoinAccess, RedisRoomDirectory } from './RedisRoomDirectory.js';
import type { RoomService, RoomServiceJoin } from './RoomService.js';
import { MemberWhereabouts } from './MemberWhereabouts.js';

/** What nodes say to each other on the bus. */
type NodeMessage =
  /**
   * Deliver `encoded` to these members of `room`, if this node holds them
   * there. `forwarded`: a node that did not hold them passed it on (once).
   */
  | { kind: 'deliver'; room: string; to: PeerId[]; encoded: string; forwarded?: boolean }
  /** `id` of `room` is not held where the receiver may think (a message for it missed, or it moved): forget where it was. */
  | { kind: 'not-here'; room: string; id: PeerId }
  /** Another node took this participant over (it resumed there): let go of it without a word to the room. */
  | { kind: 'release'; id: PeerId }
  | NodeCommand;

/** What a host's action asks of the node holding the person it is about (see `command`). */
export type NodeCommand =
  /** A host let in this waiter of `room`, held by the node: its held join goes on. */
  | { kind: 'admit'; room: string; id: PeerId }
  /** A host turned this waiter away (or the room ended): its held join is refused with `reason`. */
  | { kind: 'deny'; room: string; id: PeerId; reason: string }
  /** A host removed this member of `room`, held by the node. */
  | { kind: 'remove'; room: string; id: PeerId; reason: string }
  /** A host switched `room`'s lobby: the node tells its members and updates its copy of the rules. */
  | { kind: 'lobby'; room: string; enabled: boolean };

/** A read of a room's members from Redis, shared by the deliveries that wait for it. */
interface RoomRead {
  /** `#asked` when it was sent: it is as fresh as a read of its own for any call counted up to here. */
  readonly issued: number;
  readonly result: Promise<DirectoryResult<DirectoryEntry[]>>;
}

/** What became of one message for one member. */
export type Delivery = 'delivered' | 'not-in-room' | 'unavailable';

export type RedisRoomServiceEvents = {
  /** Another node holds this participant now; its session here should end quietly. */
  released: (member: Member) => void;
  /** A host switched the lobby of `room`, which this node holds members of. */
  'lobby-switched': (room: string, enabled: boolean) => void;
  /** A bus message that could not be read, or a delivery that could not be sent. For logs. */
  error: (error: Error) => void;
  /**
   * What became of a delivery from another node for a member this node does
   * not hold (yet): `held-for-join`, its join here was still waiting for
   * Redis's answer, so the message waits for the member's `joined`;
   * `dropped`, Redis lists it on no other node in that room. For metrics.
   */
  'delivery-missed': (outcome: 'held-for-join' | 'dropped', count: number) => void;
};

export interface RedisRoomServiceParts {
  nodeId: string;
  directory: RedisRoomDirectory;
  bus: NodeBus;
  presence: NodePresence;
  /** Rooms' lobbies and hosts' actions on them. */
  lobby: RedisLobby;
  /** Most members a room may have, across all nodes. */
  capacity: number;
}

/**
 * Rooms shared by several nodes. Membership lives in the Redis directory;
 * each node keeps the members it holds (their sockets) and reaches the others
 * through their node's inbox on the bus, one bus message per node and
 * delivery, however many of its members it is for.
 */
export class RedisRoomService extends TypedEmitter<RedisRoomServiceEvents> implements RoomService {
  readonly #parts: RedisRoomServiceParts;
  /** Members this node holds, by id, with their room. */
  readonly #local = new Map<PeerId, { member: Member; room: string }>();
  /** People this node holds waiting in a room's lobby, by id, with the room they knocked at. */
  readonly #waiting = new Map<PeerId, { waiter: Waiter; room: Room }>();
  /**
   * Members whose join this node has sent to Redis and not yet seen answered,
   * with what other nodes sent them meanwhile. Redis runs the join script,
   * and another node may then see the member in the room and push to it
   * (`peer-joined`, a signal) before the join's answer is read here: replies
   * come on the directory's connection and pushes on the inbox reader's, and
   * two TCP connections keep no order between them. On a busy node the
   * directory's replies queue behind others while the reader's are read at
   * once, so the push came first and, its member not held yet, was dropped:
   * the member never learnt of a room mate (the benchmark's "failed" clients).
   */
  readonly #joining = new Map<PeerId, { room: string; early: string[] }>();
  /** Where the other members of our rooms are held, so a signal to one needs no Redis read. */
  readonly #whereabouts = new MemberWhereabouts();
  /**
   * The newest room read from Redis in flight, by room. While one is, a
   * delivery in that room takes the slow way too: sent straight away it would
   * overtake the messages still waiting for their read, and a sender's order
   * would break. Deliveries share it (see deliverTo).
   */
  readonly #reads = new Map<string, RoomRead>();
  /** Counts calls that need a room read, so a read can tell whom it is fresh for. */
  #asked = 0;
  readonly #subs: (() => void)[] = [];
  #closed = false;

  constructor(parts: RedisRoomServiceParts) {
    super();
    this.#parts = parts;
    this.#subs.push(
      parts.bus.on('message', (body, fromNode) => this.#onNodeMessage(body, fromNode)),
      parts.presence.on('node-down', (node, rooms) => {
        this.#whereabouts.forgetNode(node);
        void this.#tellLosses(rooms);
      }),
    );
  }

  /** Closed: nothing more goes to Redis (a retry in progress stops). */
  get closed(): boolean {
    return this.#closed;
  }

  get localCount(): number {
    return this.#local.size;
  }

  get nodeId(): string {
    return this.#parts.nodeId;
  }

  get capacity(): number {
    return this.#parts.capacity;
  }

  get lobby(): RedisLobby {
    return this.#parts.lobby;
  }

  /**
   * `policy`: the room's shared rules (SharedPolicy JSON), set if this join
   * creates the room. `access`: whether the joiner hosts and whether the
   * room's lobby applies to it (by default: a host if it creates the room,
   * no lobby). Told to wait, it is in the room's lobby and `hosts` are to be
   * told of the knock.
   */
  async join(room: string, member: Member, policy?: string, access: Omit<JoinAccess, 'lobbyMax'> = { host: 'creator', lobby: 'skip' }): Promise<RoomServiceJoin> {
    const entry = { id: member.id, name: member.name, media: member.media };
    const joining = { room, early: [] as string[] };
    this.#joining.set(member.id, joining);
    try {
      const joined = await this.#parts.directory.join(room, entry, this.#parts.capacity, policy, { ...access, lobbyMax: MAX_LOBBY_WAITING });
      if (!joined.ok) return joined;
      this.#whereabouts.learnRoom(room, joined.members);
      if (joined.movedFrom && joined.movedFrom !== this.#parts.nodeId) {
        await this.#send(joined.movedFrom, { kind: 'release', id: member.id });
        // The room's other nodes may remember it at the old node (perhaps a dead one, whose inbox nobody reads).
        const others = new Set(joined.members.map((entry) => entry.node).filter((node) => node !== this.#parts.nodeId));
        await Promise.all([...others].map((node) => this.#send(node, { kind: 'not-here', room, id: member.id })));
      }
      // Held from here: no await until the caller has the answer, so nothing overtakes `early`.
      this.#local.set(member.id, { member, room });
      const peers = joined.members.filter((other) => other.id !== member.id).map(({ id, name, media }) => ({ id, name, media }));
      return {
        ok: true,
        peers,
        policy: joined.policy,
        host: joined.host,
        waiting: joined.waiting.map(({ id, name }) => ({ id, name })),
        ...(joined.movedFrom ? { movedFrom: joined.movedFrom } : {}),
        ...(joining.early.length > 0 ? { early: joining.early } : {}),
      };
    } finally {
      if (this.#joining.get(member.id) === joining) this.#joining.delete(member.id);
    }
  }

  /** `waiter` waits here in the lobby of `room`: a host's answer, from any node, reaches it. */
  hold(waiter: Waiter, room: Room): void {
    this.#waiting.set(waiter.id, { waiter, room });
  }

  /** `waiter` no longer waits here (answered, or gave up). */
  unhold(waiter: Waiter): void {
    if (this.#waiting.get(waiter.id)?.waiter === waiter) this.#waiting.delete(waiter.id);
  }

  /** A failure found by a caller that has no one to answer (e.g. a waiter's leave Redis did not take); for logs. */
  report(error: Error): void {
    this.emit('error', error);
  }

  /** Everyone in `room`, on every node. */
  async members(room: string): Promise<DirectoryResult<DirectoryEntry[]>> {
    return await this.#readRoom(room).result;
  }

  /** One push to these members of `room`, wherever each is held; false when a node could not be reached. */
  async tell(room: string, recipients: DirectoryEntry[], message: ServerMessage): Promise<boolean> {
    return await this.#deliver(room, recipients, JSON.stringify(message));
  }

  /**
   * Has `node` act on a host's action (this node at once, another through
   * its inbox); false when it could not be sent.
   */
  async command(node: string, command: NodeCommand): Promise<boolean> {
    if (node === this.#parts.nodeId) {
      this.#onCommand(command);
      return true;
    }
    return await this.#send(node, command);
  }

  /** Everyone in `room` on every node but `member`, as a join reply lists them; undefined when Redis cannot say. */
  async peersOf(room: string, member: Member): Promise<PeerInfo[] | undefined> {
    const members = await this.#parts.directory.members(room);
    if (!members.ok) return undefined;
    return members.value.filter((entry) => entry.id !== member.id).map(({ id, name, media }) => ({ id, name, media }));
  }

  /** The room's shared rules (SharedPolicy JSON); undefined when the room has no members on any node. */
  async policy(room: string) {
    return await this.#parts.directory.policy(room);
  }

  /** Whether this node holds `member` in `room` (its own deliveries reach it). */
  holds(member: Member): boolean {
    return this.#local.get(member.id)?.member === member;
  }

  /**
   * Forgets a member here without a word to Redis: its entry is gone already
   * (this node was declared dead) or belongs to another node now.
   */
  drop(member: Member): void {
    if (this.#local.get(member.id)?.member === member) this.#local.delete(member.id);
  }

  async leave(room: string, member: Member): Promise<boolean> {
    const left = await this.tryLeave(room, member);
    return left.ok && left.value;
  }

  /**
   * `leave`, saying whether Redis could be asked at all (a refused leave must
   * be tried again). The last one out ends the room: whoever still waited in
   * its lobby, on any node, is turned away.
   */
  async tryLeave(room: string, member: Member): Promise<DirectoryResult<boolean>> {
    const held = this.#local.get(member.id);
    if (held?.member === member) this.#local.delete(member.id);
    this.#whereabouts.forget(room, member.id);
    const left = await this.#parts.directory.leaveRoom(room, member.id);
    if (!left.ok) return left;
    for (const waiter of left.value.turnedAway) {
      await this.command(waiter.node, { kind: 'deny', room, id: waiter.id, reason: 'the call ended before anyone let you in' });
    }
    return { ok: true, value: left.value.removed };
  }

  async sendTo(room: string, to: PeerId, message: ServerMessage): Promise<boolean> {
    return (await this.deliverTo(room, to, message)) === 'delivered';
  }

  /**
   * `sendTo` saying why not: the member is in no node's list of this room, or
   * Redis cannot be asked (or take the message) now. A member held here is
   * reached at once, without Redis; one we know the node of goes straight to
   * that node's inbox (which checks it holds them, see #onDeliver).
   *
   * Otherwise the room is read from Redis; a delivery that comes while a read
   * of its room is in flight waits for that read rather than sending one of
   * its own (an offer and its candidates sent at once cost one read, not a
   * dozen). That read was sent before this delivery came, so it may not list
   * someone who joined since: only a member it lists is trusted, and for one
   * it does not, a read sent after the delivery came decides.
   */
  async deliverTo(room: string, to: PeerId, message: ServerMessage): Promise<Delivery> {
    const held = this.#local.get(to);
    if (held?.room === room) {
      held.member.deliver(JSON.stringify(message));
      return 'delivered';
    }
    const known = this.#reads.has(room) ? undefined : this.#whereabouts.nodeOf(room, to);
    if (known !== undefined && known !== this.#parts.nodeId) {
      return (await this.#send(known, { kind: 'deliver', room, to: [to], encoded: JSON.stringify(message) })) ? 'delivered' : 'unavailable';
    }
    const asked = ++this.#asked;
    const read = this.#readRoom(room, 0);
    let members = await read.result;
    let target = members.ok ? members.value.find((entry) => entry.id === to) : undefined;
    if (!target && read.issued < asked) {
      members = await this.#readRoom(room, asked).result;
      target = members.ok ? members.value.find((entry) => entry.id === to) : undefined;
    }
    if (!members.ok) return 'unavailable';
    if (!target) return 'not-in-room';
    return (await this.#send(target.node, { kind: 'deliver', room, to: [to], encoded: JSON.stringify(message) })) ? 'delivered' : 'unavailable';
  }

  async broadcast(room: string, message: ServerMessage, exceptId?: PeerId): Promise<void> {
    const members = await this.#readRoom(room).result;
    if (!members.ok) {
      this.emit('error', new Error(`broadcast to room "${room}" not sent: ${members.reason}`));
      return;
    }
    await this.#deliver(room, members.value.filter((entry) => entry.id !== exceptId), JSON.stringify(message));
  }

  /**
   * `broadcast` to the members other nodes hold; the caller reaches this
   * node's own (it does so at once, and still while Redis is away).
   */
  async broadcastElsewhere(room: string, message: ServerMessage, exceptId?: PeerId): Promise<void> {
    const members = await this.#readRoom(room).result;
    if (!members.ok) {
      this.emit('error', new Error(`push to room "${room}" not sent to other nodes: ${members.reason}`));
      return;
    }
    const elsewhere = members.value.filter((entry) => entry.id !== exceptId && entry.node !== this.#parts.nodeId);
    await this.#deliver(room, elsewhere, JSON.stringify(message));
  }

  async updated(room: string, member: Member): Promise<void> {
    await this.#parts.directory.update(room, { id: member.id, name: member.name, media: member.media });
  }

  /** Stops listening to the bus and presence; the parts are closed by their owner. Safe to call twice. */
  close(): void {
    this.#closed = true;
    for (const unsubscribe of this.#subs.splice(0)) unsubscribe();
    this.removeAllListeners();
  }

  /** One encoded message to many members: delivered here to ours, one bus message to each other node. */
  async #deliver(room: string, recipients: DirectoryEntry[], encoded: string): Promise<boolean> {
    const byNode = new Map<string, PeerId[]>();
    for (const entry of recipients) byNode.set(entry.node, [...(byNode.get(entry.node) ?? []), entry.id]);
    const sends: Promise<boolean>[] = [];
    for (const [node, ids] of byNode) {
      if (node === this.#parts.nodeId) this.#deliverHere(room, ids, encoded);
      else sends.push(this.#send(node, { kind: 'deliver', room, to: ids, encoded }));
    }
    return (await Promise.all(sends)).every(Boolean);
  }

  /** A host's action about someone this node holds; someone no longer here (gone, moved) is left alone. */
  #onCommand(command: NodeCommand): void {
    switch (command.kind) {
      case 'admit':
      case 'deny': {
        const held = this.#waiting.get(command.id);
        if (held?.room.name !== command.room) return;
        this.#waiting.delete(command.id);
        if (command.kind === 'admit') held.waiter.admit(held.room);
        else held.waiter.deny(command.reason);
        return;
      }
      case 'remove': {
        const held = this.#local.get(command.id);
        if (held?.room === command.room) held.member.expel(command.reason);
        return;
      }
      case 'lobby':
        this.emit('lobby-switched', command.room, command.enabled);
        return;
    }
  }

  #deliverHere(room: string, ids: PeerId[], encoded: string): void {
    for (const id of ids) {
      const held = this.#local.get(id);
      if (held?.room === room) held.member.deliver(encoded);
    }
  }

  /**
   * The room's members from Redis; what it says of where they are replaces
   * what we knew. `freshFor`: the read in flight will do if it was sent once
   * the call counted as `freshFor` was made (0: any read in flight will do);
   * by default only a read sent now will, as each call had one of its own.
   */
  #readRoom(room: string, freshFor = ++this.#asked): RoomRead {
    const current = this.#reads.get(room);
    if (current && current.issued >= freshFor) return current;
    const done = () => {
      if (this.#reads.get(room) === read) this.#reads.delete(room);
    };
    // Done before any caller goes on: its send runs in the microtasks right after, before any new message is read.
    const result = this.#parts.directory.members(room).then(
      (members) => {
        done();
        if (members.ok) this.#whereabouts.learnRoom(room, members.value);
        return members;
      },
      (error: unknown) => {
        done();
        throw error;
      },
    );
    const read: RoomRead = { issued: this.#asked, result };
    this.#reads.set(room, read);
    return read;
  }

  /**
   * A delivery from another node: to the members we hold in that room. One we
   * do not (it moved on, or left) was addressed from an out-of-date
   * whereabouts: the sender is told to forget it, and Redis, not the sender,
   * decides where the message goes now: to the node holding it in that room,
   * once, or nowhere when it is not in the room.
   */
  #onDeliver(message: Extract<NodeMessage, { kind: 'deliver' }>, fromNode: string): void {
    // Someone left the room: signals to it must be answered `not-in-room` again (the prefix
    // test keeps the parse off every signal; the server writes `type` first).
    if (message.encoded.startsWith('{"type":"peer-left"')) this.#forgetLeaver(message.room, message.encoded);
    const missing: PeerId[] = [];
    let early = 0;
    for (const id of message.to) {
      const held = this.#local.get(id);
      const joining = held ? undefined : this.#joining.get(id);
      if (held?.room === message.room) held.member.deliver(message.encoded);
      else if (joining?.room === message.room) {
        joining.early.push(message.encoded);
        early++;
      } else missing.push(id);
    }
    if (early > 0) this.emit('delivery-missed', 'held-for-join', early);
    if (missing.length === 0) return;
    for (const id of missing) {
      if (fromNode !== this.#parts.nodeId) void this.#send(fromNode, { kind: 'not-here', room: message.room, id });
    }
    if (message.forwarded) this.emit('delivery-missed', 'dropped', missing.length);
    else void this.#forward(message.room, missing, message.encoded);
  }

  #forgetLeaver(room: string, encoded: string): void {
    try {
      const { peerId } = JSON.parse(encoded) as { peerId?: unknown };
      if (typeof peerId === 'string') this.#whereabouts.forget(room, peerId);
    } catch {
      this.#whereabouts.forgetRoom(room);
    }
  }

  async #forward(room: string, ids: PeerId[], encoded: string): Promise<void> {
    const members = await this.#readRoom(room).result;
    if (!members.ok) {
      this.emit('error', new Error(`a message for members of "${room}" no longer here was dropped: ${members.reason}`));
      return;
    }
    const byNode = new Map<string, PeerId[]>();
    let forwarded = 0;
    for (const entry of members.value) {
      if (!ids.includes(entry.id) || entry.node === this.#parts.nodeId) continue;
      byNode.set(entry.node, [...(byNode.get(entry.node) ?? []), entry.id]);
      forwarded++;
    }
    if (forwarded < ids.length) this.emit('delivery-missed', 'dropped', ids.length - forwarded);
    for (const [node, to] of byNode) await this.#send(node, { kind: 'deliver', room, to, encoded, forwarded: true });
  }

  async #send(node: string, message: NodeMessage): Promise<boolean> {
    const sent = await this.#parts.bus.send(node, encodeNodeMessage(message));
    if (!sent.ok) this.emit('error', new Error(`message for node ${node} not sent: ${sent.reason}`));
    return sent.ok;
  }

  #onNodeMessage(body: string, fromNode: string): void {
    const message = decodeNodeMessage(body);
    if (!message) {
      this.emit('error', new Error('a bus message that is not a node message; dropped'));
      return;
    }
    if (message.kind === 'deliver') return this.#onDeliver(message, fromNode);
    if (message.kind === 'not-here') return this.#whereabouts.forget(message.room, message.id);
    if (message.kind !== 'release') return this.#onCommand(message);
    const held = this.#local.get(message.id);
    if (!held) return;
    this.#local.delete(message.id);
    this.emit('released', held.member);
  }

  /**
   * A node died and this node reaped it: tell everyone left in its rooms, on
   * every node, that its participants are gone, and the hosts that the
   * people it held in their lobbies no longer wait.
   */
  async #tellLosses(rooms: RoomLoss[]): Promise<void> {
    for (const loss of rooms) {
      for (const id of loss.removed) {
        const encoded = JSON.stringify({ type: 'peer-left', peerId: id, reason: 'disconnected' } satisfies ServerMessage);
        await this.#deliver(loss.room, loss.remaining, encoded);
      }
      const hosts = loss.remaining.filter((member) => loss.hosts.includes(member.id));
      for (const id of loss.waitersGone) {
        const encoded = JSON.stringify({ type: 'knock-ended', peerId: id, outcome: 'left' } satisfies ServerMessage);
        await this.#deliver(loss.room, hosts, encoded);
      }
    }
  }
}

/**
 * A `deliver` is framed as `D{"room":…,"to":[…]}\n<encoded>`: the client
 * message rides as it is, not JSON-escaped inside the envelope and parsed
 * again by the reader (JSON.stringify never writes a raw newline, so the first
 * one ends the header). Other node messages are plain JSON objects.
 */
function encodeNodeMessage(message: NodeMessage): string {
  if (message.kind !== 'deliver') return JSON.stringify(message);
  const header = message.forwarded ? { room: message.room, to: message.to, forwarded: true } : { room: message.room, to: message.to };
  return `D${JSON.stringify(header)}\n${message.encoded}`;
}

function decodeDeliver(body: string): NodeMessage | undefined {
  const end = body.indexOf('\n');
  if (end < 0) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(body.slice(1, end));
  } catch {
    return undefined;
  }
  if (typeof header !== 'object' || header === null) return undefined;
  const { room, to, forwarded } = header as Record<string, unknown>;
  if (typeof room !== 'string' || !Array.isArray(to) || !to.every((id) => typeof id === 'string')) return undefined;
  return { kind: 'deliver', room, to: to as PeerId[], encoded: body.slice(end + 1), ...(forwarded === true ? { forwarded: true } : {}) };
}

function decodeNodeMessage(body: string): NodeMessage | undefined {
  if (body.startsWith('D')) return decodeDeliver(body);
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const message = value as Record<string, unknown>;
  if (message.kind === 'release' && typeof message.id === 'string') return { kind: 'release', id: message.id };
  const { room, id, reason } = message;
  if (typeof room === 'string' && typeof id === 'string') {
    if (message.kind === 'not-here') return { kind: 'not-here', room, id };
    if (message.kind === 'admit') return { kind: 'admit', room, id };
    if ((message.kind === 'deny' || message.kind === 'remove') && typeof reason === 'string') return { kind: message.kind, room, id, reason };
  }
  if (message.kind === 'lobby' && typeof room === 'string' && typeof message.enabled === 'boolean') return { kind: 'lobby', room, enabled: message.enabled };
  if (
    message.kind === 'deliver' &&
    typeof message.room === 'string' &&
    typeof message.encoded === 'string' &&
    Array.isArray(message.to) &&
    message.to.every((id) => typeof id === 'string')
  ) {
    return { kind: 'deliver', room: message.room, to: message.to as PeerId[], encoded: message.encoded };
  }
  return undefined;
}
