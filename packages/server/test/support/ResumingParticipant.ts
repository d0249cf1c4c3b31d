import { PROTOCOL_VERSION, type ServerMessage } from '@parley/protocol';
import { TestClient } from './TestClient.js';

type Of<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

/** Reconnect attempts after a drop, one every RETRY_MS: about 10 s in all. */
const MAX_ATTEMPTS = 100;
const RETRY_MS = 100;

/**
 * A participant that outlives its connection, as the SDK does: when the
 * socket drops it connects again through `resumeUrl` (a load balancer) and
 * resumes with its latest token and the last push it read. Everything it
 * received on every socket is kept, so a test can say whether anyone was
 * ever told it left.
 */
export class ResumingParticipant {
  readonly sockets: TestClient[] = [];
  /** How long each resume took, from the drop to the `joined` reply. */
  readonly resumeMs: number[] = [];
  /** What each resume said: who it listed, and whether it was the same participant. */
  readonly resumes: Of<'joined'>[] = [];
  /** Why the last resume gave up, if it did. */
  failure: string | undefined;
  #token: string;
  #stopped = false;
  #resuming: Promise<void> | undefined;

  private constructor(
    client: TestClient,
    readonly joined: Of<'joined'>,
    readonly resumeUrl: string,
    /** False: a drop is final (a person who closed the tab), to test that the others are told. */
    readonly autoResume: boolean,
  ) {
    this.#token = joined.resumeToken;
    this.#adopt(client);
  }

  static async join(url: string, room: string, name: string, options: { resumeUrl?: string; autoResume?: boolean } = {}): Promise<ResumingParticipant> {
    const client = await TestClient.connect(url);
    const joined = await client.join(room, name);
    return new ResumingParticipant(client, joined, options.resumeUrl ?? url, options.autoResume ?? true);
  }

  get id(): string {
    return this.joined.selfId;
  }

  get client(): TestClient {
    return this.sockets.at(-1) as TestClient;
  }

  /** Pushes of one type, from every socket this participant has had. */
  all<T extends ServerMessage['type']>(type: T): Of<T>[] {
    return this.sockets.flatMap((socket) => socket.ofType(type));
  }

  /** Who this participant believes is in the room: listed at join or resume, plus joins, minus leaves, in order. */
  knows(): Set<string> {
    const known = new Set(this.joined.peers.map((peer) => peer.id));
    for (const socket of this.sockets) {
      for (const message of socket.received) {
        if (message.type === 'joined') for (const peer of message.peers) known.add(peer.id);
        if (message.type === 'peer-joined') known.add(message.peer.id);
        if (message.type === 'peer-left') known.delete(message.peerId);
      }
    }
    return known;
  }

  /** Signals received from `from`, in order, as their candidate strings (or the description type). */
  signalsFrom(from: string): string[] {
    return this.all('signal')
      .filter((message) => message.from === from)
      .map((message) => ('candidate' in message.signal ? (message.signal.candidate?.candidate ?? '') : message.signal.description.type));
  }

  /** Waits for a resume under way to finish; throws if it gave up. */
  async settled(): Promise<void> {
    await this.#resuming;
    if (this.failure) throw new Error(this.failure);
  }

  /** Stops resuming and closes the socket. */
  async close(): Promise<void> {
    this.#stopped = true;
    await this.#resuming;
    await this.client.close();
  }

  #adopt(client: TestClient): void {
    this.sockets.push(client);
    client.socket.once('close', () => {
      if (this.#stopped || !this.autoResume || client !== this.client) return;
      this.#resuming = this.#resume(Date.now()).catch((error: unknown) => {
        this.failure = String(error);
      });
    });
  }

  async #resume(droppedAt: number): Promise<void> {
    let lastError = '';
    for (let attempt = 0; attempt < MAX_ATTEMPTS && !this.#stopped; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      let client: TestClient;
      try {
        client = await TestClient.connect(this.resumeUrl);
      } catch (error) {
        lastError = String(error);
        continue;
      }
      const reply = await client
        .request({ type: 'resume', protocolVersion: PROTOCOL_VERSION, resumeToken: this.#token, lastSeq: this.client.lastSeq })
        .catch((error: unknown) => ({ type: 'error', code: 'internal', message: String(error) }) as ServerMessage);
      if (reply.type === 'joined') {
        this.#token = reply.resumeToken;
        this.resumes.push(reply);
        this.resumeMs.push(Date.now() - droppedAt);
        this.#adopt(client);
        return;
      }
      lastError = JSON.stringify(reply);
      await client.close();
      // Anything but a node that cannot reach Redis right now is final.
      if (reply.type === 'error' && reply.code !== 'unavailable' && reply.code !== 'internal') break;
    }
    throw new Error(`${this.joined.name} could not resume: ${lastError}`);
  }
}
