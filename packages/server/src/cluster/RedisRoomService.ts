import { TypedEmitter } from '@parley/protocol';
import type { PeerId, PeerInfo, ServerMessage } from '@parley/protocol';
import type { Member } from '../Member.js';
import type { NodeBus } from './NodeBus.js';
import type { NodePresence, RoomLoss } from './NodePresence.js';
import type { DirectoryEntry, DirectoryResult, RedisRoomDirectory } from './RedisRoomDirectory.js';
import type { RoomService, RoomServiceJoin } from './RoomService.js';

/** What nodes say to each other on the bus. */
type NodeMessage =
  /** Deliver `encoded` to these members of `room`, if this node holds them there. */
  | { kind: 'deliver'; room: string; to: PeerId[]; encoded: string }
  /** Another node took this participant over (it resumed there): let go of it without a word to the room. */
  | { kind: 'release'; id: PeerId };

/** What became of one message for one member. */
export type Delivery = 'delivered' | 'not-in-room' | 'unavailable';

export type RedisRoomServiceEvents = {
  /** Another node holds this participant now; its session here should end quietly. */
  released: (member: Member) => void;
  /** A bus message that could not be read, or a delivery that could not be sent. For logs. */
  error: (error: Error) => void;
};

export interface RedisRoomServiceParts {
  nodeId: string;
  directory: RedisRoomDirectory;
  bus: NodeBus;
  presence: NodePresence;
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
  readonly #subs: (() => void)[] = [];
  #closed = false;

  constructor(parts: RedisRoomServiceParts) {
    super();
    this.#parts = parts;
    this.#subs.push(
      parts.bus.on('message', (body) => this.#onNodeMessage(body)),
      parts.presence.on('node-down', (_node, rooms) => void this.#tellLosses(rooms)),
    );
  }

  /** Closed: nothing more goes to Redis (a retry in progress stops). */
  get closed(): boolean {
    return this.#closed;
  }

  get localCount(): number {
    return this.#local.size;
  }

  /** `policy`: the room's shared rules (SharedPolicy JSON), set if this join creates the room. */
  async join(room: string, member: Member, policy?: string): Promise<RoomServiceJoin> {
    const joined = await this.#parts.directory.join(room, { id: member.id, name: member.name, media: member.media }, this.#parts.capacity, policy);
    if (!joined.ok) return joined;
    this.#local.set(member.id, { member, room });
    if (joined.movedFrom && joined.movedFrom !== this.#parts.nodeId) {
      await this.#send(joined.movedFrom, { kind: 'release', id: member.id });
    }
    const peers = joined.members.filter((entry) => entry.id !== member.id).map(({ id, name, media }) => ({ id, name, media }));
    return { ok: true, peers, policy: joined.policy, ...(joined.movedFrom ? { movedFrom: joined.movedFrom } : {}) };
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

  /** `leave`, saying whether Redis could be asked at all (a refused leave must be tried again). */
  async tryLeave(room: string, member: Member): Promise<DirectoryResult<boolean>> {
    const held = this.#local.get(member.id);
    if (held?.member === member) this.#local.delete(member.id);
    return await this.#parts.directory.leave(room, member.id);
  }

  async sendTo(room: string, to: PeerId, message: ServerMessage): Promise<boolean> {
    return (await this.deliverTo(room, to, message)) === 'delivered';
  }

  /**
   * `sendTo` saying why not: the member is in no node's list of this room, or
   * Redis cannot be asked (or take the message) now. A member held here is
   * reached at once, without Redis.
   */
  async deliverTo(room: string, to: PeerId, message: ServerMessage): Promise<Delivery> {
    const held = this.#local.get(to);
    if (held?.room === room) {
      held.member.deliver(JSON.stringify(message));
      return 'delivered';
    }
    const members = await this.#parts.directory.members(room);
    if (!members.ok) return 'unavailable';
    const target = members.value.find((entry) => entry.id === to);
    if (!target) return 'not-in-room';
    return (await this.#send(target.node, { kind: 'deliver', room, to: [to], encoded: JSON.stringify(message) })) ? 'delivered' : 'unavailable';
  }

  async broadcast(room: string, message: ServerMessage, exceptId?: PeerId): Promise<void> {
    const members = await this.#parts.directory.members(room);
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
    const members = await this.#parts.directory.members(room);
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
  async #deliver(room: string, recipients: DirectoryEntry[], encoded: string): Promise<void> {
    const byNode = new Map<string, PeerId[]>();
    for (const entry of recipients) byNode.set(entry.node, [...(byNode.get(entry.node) ?? []), entry.id]);
    const sends: Promise<boolean>[] = [];
    for (const [node, ids] of byNode) {
      if (node === this.#parts.nodeId) this.#deliverHere(room, ids, encoded);
      else sends.push(this.#send(node, { kind: 'deliver', room, to: ids, encoded }));
    }
    await Promise.all(sends);
  }

  #deliverHere(room: string, ids: PeerId[], encoded: string): void {
    for (const id of ids) {
      const held = this.#local.get(id);
      if (held?.room === room) held.member.deliver(encoded);
    }
  }

  async #send(node: string, message: NodeMessage): Promise<boolean> {
    const sent = await this.#parts.bus.send(node, JSON.stringify(message));
    if (!sent.ok) this.emit('error', new Error(`message for node ${node} not sent: ${sent.reason}`));
    return sent.ok;
  }

  #onNodeMessage(body: string): void {
    const message = decodeNodeMessage(body);
    if (!message) {
      this.emit('error', new Error('a bus message that is not a node message; dropped'));
      return;
    }
    if (message.kind === 'deliver') return this.#deliverHere(message.room, message.to, message.encoded);
    const held = this.#local.get(message.id);
    if (!held) return;
    this.#local.delete(message.id);
    this.emit('released', held.member);
  }

  /**
   * A node died and this node reaped it: tell everyone left in its rooms, on
   * every node, that its participants are gone.
   */
  async #tellLosses(rooms: RoomLoss[]): Promise<void> {
    for (const loss of rooms) {
      for (const id of loss.removed) {
        const encoded = JSON.stringify({ type: 'peer-left', peerId: id, reason: 'disconnected' } satisfies ServerMessage);
        await this.#deliver(loss.room, loss.remaining, encoded);
      }
    }
  }
}

function decodeNodeMessage(body: string): NodeMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const message = value as Record<string, unknown>;
  if (message.kind === 'release' && typeof message.id === 'string') return { kind: 'release', id: message.id };
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
