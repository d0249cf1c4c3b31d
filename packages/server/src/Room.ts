import type { PeerId, ServerMessage } from '@parley/protocol';
import { Lobby } from './Lobby.js';
import { peerInfo, type Member } from './Member.js';
import { RoomPolicy } from './RoomPolicy.js';

/** The members of one room, who may come in, and the only ways to reach them. */
export class Room {
  readonly #members = new Map<PeerId, Member>();
  /** People waiting for a host (when `policy.lobby` is on). */
  readonly lobby = new Lobby();

  constructor(
    readonly name: string,
    readonly policy: RoomPolicy = new RoomPolicy(),
  ) {}

  get size(): number {
    return this.#members.size;
  }

  has(id: PeerId): boolean {
    return this.#members.has(id);
  }

  get(id: PeerId): Member | undefined {
    return this.#members.get(id);
  }

  members(): IterableIterator<Member> {
    return this.#members.values();
  }

  /** Everyone but `member`, as the join reply lists them. */
  peersOf(member: Member) {
    return [...this.#members.values()].filter((other) => other.id !== member.id).map(peerInfo);
  }

  add(member: Member): void {
    this.#members.set(member.id, member);
  }

  remove(id: PeerId): boolean {
    return this.#members.delete(id);
  }

  /** Sends to every member except `exceptId`; the message is encoded once. */
  broadcast(message: ServerMessage, exceptId?: PeerId): void {
    const encoded = JSON.stringify(message);
    for (const member of this.#members.values()) {
      if (member.id !== exceptId) member.deliver(encoded);
    }
  }

  /** Sends to the hosts present (knocks are for them only). */
  broadcastToHosts(message: ServerMessage): void {
    const encoded = JSON.stringify(message);
    for (const member of this.#members.values()) {
      if (this.policy.isHost(member.id)) member.deliver(encoded);
    }
  }

  /**
   * Sends to one member; false when it is not in this room. `encoded`: the
   * message's text when the caller has it already (a relayed signal's, see
   * signalPush); it must mean JSON.stringify(message).
   */
  sendTo(id: PeerId, message: ServerMessage, encoded?: string): boolean {
    const member = this.#members.get(id);
    if (!member) return false;
    member.deliver(encoded ?? JSON.stringify(message));
    return true;
  }
}
