import { MAX_CHAT_TEXT_LENGTH, type ChatPeerMessage } from '@parley/protocol';
import { ParleyError } from '../errors.js';

export interface ChatMessage {
  id: string;
  from: { id: string; name: string };
  text: string;
  /** The sender's clock, ms since the epoch. */
  sentAt: number;
  /** True for messages this participant sent. */
  self: boolean;
}

/** The part of a peer link chat needs: false when the channel cannot take the text now. */
export interface ChatLink {
  send(text: string): boolean;
}

/** Chat messages kept for one person while our channel to them is not open; the oldest go first past this. */
const MAX_QUEUED_CHAT = 200;
/** Chat ids remembered per sender to drop a repeat; far more than can be in flight. */
const SEEN_CHAT_IDS = 1_000;

/**
 * Chat over the mesh. There is no server in the path: each message goes
 * straight to every peer's data channel. A peer whose channel is not open yet
 * (or any more) gets it, in order, when it opens. Each message carries an id
 * from its sender, so one that arrives twice (sent again after a rejoin) is
 * shown once.
 */
export class MeshChat {
  #counter = 0;
  readonly #queues = new Map<string, string[]>();
  readonly #seen = new Map<string, Set<string>>();

  /** Sends `text` from `self` to every link; returns the message as shown to ourselves. */
  send(self: { id: string; name: string }, text: string, links: ReadonlyMap<string, ChatLink>): ChatMessage {
    const trimmed = text.trim();
    if (trimmed.length === 0 || trimmed.length > MAX_CHAT_TEXT_LENGTH) {
      throw new ParleyError('bad-message', `a chat message holds 1 to ${MAX_CHAT_TEXT_LENGTH} characters`);
    }
    const wire: ChatPeerMessage = { type: 'chat', id: `${self.id}-${++this.#counter}`, text: trimmed, sentAt: Date.now() };
    const encoded = JSON.stringify(wire);
    for (const [peerId, link] of links) {
      // An open channel takes it even while the path is down (SCTP retransmits); a closed one cannot.
      if (this.#queues.get(peerId)?.length || !link.send(encoded)) this.#queue(peerId, encoded);
    }
    return { id: wire.id, from: self, text: wire.text, sentAt: wire.sentAt, self: true };
  }

  /** A message from a peer as it is shown, or undefined when it was already shown once. */
  receive(from: { id: string; name: string }, message: ChatPeerMessage): ChatMessage | undefined {
    if (!this.#firstSight(from.id, message.id)) return undefined;
    return { id: message.id, from, text: message.text, sentAt: message.sentAt, self: false };
  }

  /** Sends what waited for this peer's channel, oldest first; stops if it closes again. */
  flush(peerId: string, link: ChatLink): void {
    const queue = this.#queues.get(peerId);
    while (queue?.length && link.send(queue[0] as string)) queue.shift();
  }

  /** Takes every queue out (e.g. across a rejoin, which rebuilds every link); give them back with `requeue`. */
  takeQueues(): Map<string, string[]> {
    const queues = new Map(this.#queues);
    this.#queues.clear();
    return queues;
  }

  requeue(peerId: string, queue: string[] | undefined): void {
    if (queue?.length) this.#queues.set(peerId, queue);
  }

  /** Someone left: nothing more is kept for or about them. */
  forget(peerId: string): void {
    this.#queues.delete(peerId);
    this.#seen.delete(peerId);
  }

  #queue(peerId: string, encoded: string): void {
    const queue = this.#queues.get(peerId) ?? [];
    queue.push(encoded);
    if (queue.length > MAX_QUEUED_CHAT) queue.shift();
    this.#queues.set(peerId, queue);
  }

  /** True the first time a sender's message id is seen. */
  #firstSight(senderId: string, messageId: string): boolean {
    const seen = this.#seen.get(senderId) ?? new Set<string>();
    this.#seen.set(senderId, seen);
    if (seen.has(messageId)) return false;
    seen.add(messageId);
    if (seen.size > SEEN_CHAT_IDS) seen.delete(seen.values().next().value as string);
    return true;
  }
}
