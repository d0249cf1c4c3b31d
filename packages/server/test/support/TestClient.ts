import { once } from 'node:events';
import { WebSocket, type ClientOptions } from 'ws';
import { PROTOCOL_VERSION, type ServerMessage } from '@parley/protocol';

const REPLY_TYPES: ReadonlySet<string> = new Set(['joined', 'ice-servers', 'ok', 'error']);

type Of<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

/**
 * A real WebSocket client speaking the protocol, for integration tests: it
 * records everything the server sends and waits for what a test expects.
 */
export class TestClient {
  readonly received: ServerMessage[] = [];
  /** Received and not yet handed to a waiter. */
  #unclaimed: ServerMessage[] = [];
  #nextId = 1;
  #waiters: { match: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];
  /** The `seq` of the last push; pushes are recorded without it. */
  lastSeq = 0;
  /** Pushes whose number did not go forward: a test can assert there are none. */
  readonly outOfOrder: string[] = [];
  /** Messages that came as binary frames: a browser would get a Blob, not JSON text; a test can assert there are none. */
  binaryFrames = 0;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      if (isBinary) this.binaryFrames++;
      const raw = JSON.parse(data.toString()) as ServerMessage & { seq?: number };
      let message: ServerMessage = raw;
      if (!REPLY_TYPES.has(raw.type) && raw.seq !== undefined) {
        const { seq, ...push } = raw;
        // Numbered pushes only ever go forward (a resume may skip what was already read).
        if (seq <= this.lastSeq) this.outOfOrder.push(`push ${seq} after ${this.lastSeq}`);
        this.lastSeq = seq;
        message = push as ServerMessage;
      }
      this.received.push(message as ServerMessage);
      const waiter = this.#waiters.find((w) => w.match(message as ServerMessage));
      if (waiter) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(message as ServerMessage);
      } else {
        this.#unclaimed.push(message as ServerMessage);
      }
    });
  }

  static async connect(url: string, options: ClientOptions = {}): Promise<TestClient> {
    const socket = new WebSocket(url, options);
    await once(socket, 'open');
    return new TestClient(socket);
  }

  /** Connects and joins; resolves with the `joined` reply. */
  static async joined(url: string, room: string, name: string): Promise<{ client: TestClient; joined: Of<'joined'> }> {
    const client = await TestClient.connect(url);
    const joined = await client.join(room, name);
    return { client, joined };
  }

  async join(room: string, name: string, extra: Record<string, unknown> = {}): Promise<Of<'joined'>> {
    const reply = await this.tryJoin({ room, name, ...extra });
    if (reply.type !== 'joined') throw new Error(`join refused: ${JSON.stringify(reply)}`);
    return reply;
  }

  /** Sends a join (fields as given) and resolves with its answer: `joined`, `error`, or `lobby-waiting`. */
  tryJoin(fields: Record<string, unknown>): Promise<ServerMessage> {
    return this.request({ type: 'join', protocolVersion: PROTOCOL_VERSION, ...fields });
  }

  /** Sends with a fresh id and resolves with the reply (`joined`, `ok` or `error`). */
  request(message: Record<string, unknown>, timeoutMs = 2000): Promise<ServerMessage> {
    const id = this.#nextId++;
    const reply = this.waitFor((m) => 'id' in m && m.id === id, timeoutMs);
    this.send({ ...message, id });
    return reply;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  next<T extends ServerMessage['type']>(type: T, timeoutMs = 2000): Promise<Of<T>> {
    return this.waitFor((m) => m.type === type, timeoutMs) as Promise<Of<T>>;
  }

  /** Resolves with the first message (already received and not yet matched, or future) that matches. */
  waitFor(match: (m: ServerMessage) => boolean, timeoutMs = 2000): Promise<ServerMessage> {
    const index = this.#unclaimed.findIndex(match);
    if (index >= 0) return Promise.resolve(this.#unclaimed.splice(index, 1)[0] as ServerMessage);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
        reject(new Error(`no matching message within ${timeoutMs} ms; received ${JSON.stringify(this.received)}`));
      }, timeoutMs);
      const done = (m: ServerMessage) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.#waiters.push({ match, resolve: done });
    });
  }

  ofType<T extends ServerMessage['type']>(type: T): Of<T>[] {
    return this.received.filter((m): m is Of<T> => m.type === type);
  }

  /**
   * Waits until the server has handled everything sent before: it answers in
   * order, so the refusal of a harmless unknown request comes after all of it.
   */
  async settle(): Promise<void> {
    await this.request({ type: 'settle-probe' });
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.socket.close();
    await once(this.socket, 'close');
  }
}
