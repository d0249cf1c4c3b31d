import { TypedEmitter } from '@parley/protocol';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ClusterKeys } from './ClusterKeys.js';
import { redisConnection } from './redisConnection.js';

/**
 * `connecting` → `ready` ⇄ `reconnecting` → `closed`. `reconnecting`: the
 * reading connection lost Redis; sends still queue (up to the backlog bound)
 * and reading carries on from the last entry once Redis is back.
 */
export type NodeBusState = 'connecting' | 'ready' | 'reconnecting' | 'closed';

/**
 * How the sends toward Redis are going, for whoever feeds the bus:
 * - `flowing`: the backlog is below its high-water mark; read on.
 * - `congested`: the backlog passed its high-water mark while Redis keeps
 *   taking sends; stop reading the sources (clients' sockets) until it falls
 *   below the low-water mark and the state is `flowing` again. Nothing is
 *   refused for this: the hard bound is far above the high-water mark.
 * - `stalled`: sends wait and Redis has acknowledged none for `stallMs` (it is
 *   frozen, or away): read on, and sends past the hard bound are refused, so
 *   clients hear `unavailable` rather than wait on a Redis that may not return.
 *   The next acknowledgement ends it.
 */
export type NodeBusFlow = 'flowing' | 'congested' | 'stalled';

export type SendResult =
  | { ok: true }
  | { ok: false; code: 'backlog-full' | 'closed'; reason: string };

export type NodeBusEvents = {
  /** A message another node (or this one) sent here, once, in the order its sender sent it. */
  message: (body: string, fromNode: string) => void;
  /** `missing` messages from `fromNode` never arrived (Redis lost them in a crash, or trimmed them unread). */
  gap: (fromNode: string, missing: number) => void;
  state: (state: NodeBusState, previous: NodeBusState) => void;
  flow: (flow: NodeBusFlow, previous: NodeBusFlow) => void;
  /** Redis said no or went away; the bus keeps trying. For logs. */
  error: (error: Error) => void;
};

export interface NodeBusOptions {
  redisUrl: string;
  nodeId: string;
  keys?: ClusterKeys;
  /** Entries kept in an inbox; older ones are trimmed (approximately). */
  inboxMaxLength?: number;
  /** An inbox nobody writes to for this long goes away (a dead node's). */
  inboxTtlMs?: number;
  /** Messages not yet acknowledged by Redis past which `send` refuses: memory stays bounded while Redis is away. */
  maxBacklog?: number;
  /** Bytes of messages not yet acknowledged by Redis past which `send` refuses (the bound that matters for memory). */
  maxBacklogBytes?: number;
  /** How long one blocking read waits before the loop looks around (close, reconnect). */
  blockMs?: number;
  /** Messages (or bytes) waiting for Redis past which the bus is `congested` (flow control, not a refusal). */
  highWater?: number;
  highWaterBytes?: number;
  /** Messages and bytes below which a `congested` bus is `flowing` again. */
  lowWater?: number;
  lowWaterBytes?: number;
  /** Sends waiting this long with no acknowledgement from Redis make the bus `stalled`. */
  stallMs?: number;
}

/**
 * Stream fields of one entry: the messages one node sent another in one
 * event-loop turn, with consecutive seqs from `seq` on (one `body` field each,
 * in order; Redis keeps repeated field names in order).
 */
interface Envelope {
  from: string;
  /** Changes each time a bus starts, so a restarted sender's seq 1 is not taken for a duplicate. */
  epoch: string;
  seq: number;
  bodies: string[];
}

/** Messages for one node gathered during one event-loop turn, appended as one stream entry. */
interface Batch {
  readonly firstSeq: number;
  readonly bodies: string[];
  bytes: number;
  readonly done: Promise<SendResult>;
  settle: (result: SendResult) => void;
}

/** Most messages in one stream entry; a longer turn's sends go into several entries. */
const MAX_BATCH = 512;

/**
 * Node-to-node messages over Redis Streams (docs/decisions/0007): each node
 * reads its own inbox stream, and anyone may append to it. Unlike pub/sub, a
 * stream keeps what is added while its reader is reconnecting, so a Redis
 * blip delays messages instead of dropping them.
 *
 * Order and once-only: one writing connection per node keeps its appends in
 * order; each message carries (sender, epoch, seq) per destination and the
 * reader drops anything it has seen, so a command resent after a reconnect is
 * not delivered twice. A jump in seq is reported as a `gap`.
 */
export class NodeBus extends TypedEmitter<NodeBusEvents> {
  readonly nodeId: string;
  readonly #keys: ClusterKeys;
  readonly #writer: Redis;
  readonly #reader: Redis;
  readonly #epoch = randomBytes(6).toString('base64url');
  readonly #inboxMaxLength: number;
  readonly #inboxTtlMs: number;
  readonly #maxBacklog: number;
  readonly #maxBacklogBytes: number;
  readonly #blockMs: number;
  readonly #highWater: number;
  readonly #highWaterBytes: number;
  readonly #lowWater: number;
  readonly #lowWaterBytes: number;
  readonly #stallMs: number;
  #state: NodeBusState = 'connecting';
  #flow: NodeBusFlow = 'flowing';
  /** When Redis last acknowledged a send, or when sends started waiting after none did. */
  #progressAt = 0;
  #stallCheck: NodeJS.Timeout | undefined;
  /** Last seq sent to each node. */
  readonly #sentSeq = new Map<string, number>();
  /** Last seq delivered from each sender, by `${from}/${epoch}`. */
  readonly #seenSeq = new Map<string, number>();
  #backlog = 0;
  #backlogBytes = 0;
  /** Per destination, the batch still open in this event-loop turn. */
  readonly #open = new Map<string, Batch>();
  #flushScheduled = false;
  /** The last stream entry read; reading resumes after it. */
  #lastId = '0-0';
  #checkClock = false;
  #loop: Promise<void> | undefined;

  constructor(options: NodeBusOptions) {
    super();
    this.nodeId = options.nodeId;
    this.#keys = options.keys ?? new ClusterKeys();
    this.#inboxMaxLength = options.inboxMaxLength ?? 10_000;
    this.#inboxTtlMs = options.inboxTtlMs ?? 60_000;
    this.#maxBacklog = options.maxBacklog ?? 50_000;
    this.#maxBacklogBytes = options.maxBacklogBytes ?? 16 * 1024 * 1024;
    this.#blockMs = options.blockMs ?? 1000;
    // A few batches' worth keeps Redis busy; the room above the high-water mark is for what the
    // sources had read already when they were told to stop (a socket's last read, a turn's work).
    this.#highWater = options.highWater ?? Math.max(1, Math.floor(this.#maxBacklog / 10));
    this.#highWaterBytes = options.highWaterBytes ?? Math.max(1, Math.floor(this.#maxBacklogBytes / 16));
    this.#lowWater = Math.min(options.lowWater ?? Math.floor(this.#highWater / 2), this.#highWater);
    this.#lowWaterBytes = Math.min(options.lowWaterBytes ?? Math.floor(this.#highWaterBytes / 2), this.#highWaterBytes);
    this.#stallMs = options.stallMs ?? 2000;
    this.#writer = redisConnection(options.redisUrl, { queueWhileDown: true, name: `parley-bus-writer-${this.nodeId}` });
    this.#reader = redisConnection(options.redisUrl, { queueWhileDown: true, name: `parley-bus-reader-${this.nodeId}` });
    for (const connection of [this.#writer, this.#reader]) connection.on('error', (error: Error) => this.emit('error', error));
    this.#reader.on('ready', () => {
      // After a Redis restart the stream starts again from Redis's clock: check it has not gone back.
      this.#checkClock = true;
      if (this.#state === 'reconnecting') this.#setState('ready');
    });
    this.#reader.on('close', () => {
      if (this.#state === 'ready') this.#setState('reconnecting');
    });
  }

  get state(): NodeBusState {
    return this.#state;
  }

  /** Sends waiting for Redis to take them. */
  get backlog(): number {
    return this.#backlog;
  }

  get backlogBytes(): number {
    return this.#backlogBytes;
  }

  get flow(): NodeBusFlow {
    return this.#flow;
  }

  /** Connects and starts reading this node's inbox from its newest entry on. */
  async start(): Promise<void> {
    if (this.#state !== 'connecting') throw new Error(`the bus is ${this.#state}; start it once`);
    await Promise.all([this.#writer.connect(), this.#reader.connect()]);
    // Read after the newest entry there is now (older ones are a previous life's). Not "now"
    // by Redis's clock: an entry added in this very millisecond would get `<now>-0` and be skipped.
    const newest = (await this.#reader.xrevrange(this.#keys.inbox(this.nodeId), '+', '-', 'COUNT', 1)) as [string, string[]][];
    this.#lastId = newest[0]?.[0] ?? '0-0';
    this.#checkClock = false;
    this.#setState('ready');
    this.#loop = this.#readLoop();
    this.#stallCheck = setInterval(() => this.#checkStall(), Math.max(10, Math.floor(this.#stallMs / 4)));
    this.#stallCheck.unref();
  }

  /**
   * Appends `body` to `toNode`'s inbox. Resolves once Redis has it, or with a
   * refusal: too much already waiting for Redis, or the bus is closed.
   *
   * Sends to one node made in the same event-loop turn go to Redis as one
   * stream entry (one XADD and one PEXPIRE in a MULTI): a burst costs Redis a
   * few commands per turn instead of four per message.
   */
  send(toNode: string, body: string): Promise<SendResult> {
    if (this.#state === 'closed') return Promise.resolve({ ok: false, code: 'closed', reason: 'the bus is closed' });
    if (this.#backlog >= this.#maxBacklog || this.#backlogBytes + body.length > this.#maxBacklogBytes) {
      return Promise.resolve({
        ok: false,
        code: 'backlog-full',
        reason: `${this.#backlog} messages (${this.#backlogBytes} bytes) already wait for Redis`,
      });
    }
    const seq = (this.#sentSeq.get(toNode) ?? 0) + 1;
    this.#sentSeq.set(toNode, seq);
    let batch = this.#open.get(toNode);
    if (!batch || batch.bodies.length >= MAX_BATCH) {
      if (batch) this.#append(toNode, batch);
      batch = openBatch(seq);
      this.#open.set(toNode, batch);
    }
    batch.bodies.push(body);
    batch.bytes += body.length;
    // Waiting starts now: a stall counts from here when Redis had nothing of ours.
    if (this.#backlog === 0) this.#progressAt = performance.now();
    this.#backlog++;
    this.#backlogBytes += body.length;
    if (this.#flow === 'flowing' && (this.#backlog >= this.#highWater || this.#backlogBytes >= this.#highWaterBytes)) this.#setFlow('congested');
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      // After the I/O callbacks of this turn: everything the turn's messages asked to send goes together.
      setImmediate(() => this.#flush());
    }
    return batch.done;
  }

  #flush(): void {
    this.#flushScheduled = false;
    const open = [...this.#open];
    this.#open.clear();
    for (const [toNode, batch] of open) this.#append(toNode, batch);
  }

  /** One stream entry for the batch; queued in order on one connection, so per-sender order holds through reconnects. */
  #append(toNode: string, batch: Batch): void {
    if (this.#open.get(toNode) === batch) this.#open.delete(toNode);
    const finish = (result: SendResult) => {
      this.#backlog -= batch.bodies.length;
      this.#backlogBytes -= batch.bytes;
      if (result.ok) this.#progressed();
      batch.settle(result);
    };
    if (this.#isClosed()) return finish({ ok: false, code: 'closed', reason: 'the bus is closed' });
    const key = this.#keys.inbox(toNode);
    const fields: string[] = ['from', this.nodeId, 'epoch', this.#epoch, 'seq', String(batch.firstSeq)];
    for (const body of batch.bodies) fields.push('body', body);
    this.#writer
      .multi()
      .xadd(key, 'MAXLEN', '~', String(this.#inboxMaxLength), '*', ...fields)
      .pexpire(key, this.#inboxTtlMs)
      .exec()
      .then(
        () => finish({ ok: true }),
        // Only when the connection is closed under it (close()); Redis being away just queues.
        (error: unknown) => finish({ ok: false, code: 'closed', reason: error instanceof Error ? error.message : String(error) }),
      );
  }

  /** Stops reading and sending; what has not reached Redis is dropped. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#setState('closed');
    clearInterval(this.#stallCheck);
    this.#flush(); // refuses what was still gathering
    this.#setFlow('flowing'); // nobody should wait on a closed bus
    this.#reader.disconnect();
    this.#writer.disconnect();
    await this.#loop;
    this.removeAllListeners();
  }

  /** Redis took a batch: it is not stalled, and the backlog fell. */
  #progressed(): void {
    this.#progressAt = performance.now();
    if (this.#isClosed()) return;
    const high = this.#backlog >= this.#highWater || this.#backlogBytes >= this.#highWaterBytes;
    const low = this.#backlog <= this.#lowWater && this.#backlogBytes <= this.#lowWaterBytes;
    if (this.#flow === 'stalled') this.#setFlow(high ? 'congested' : 'flowing');
    else if (this.#flow === 'congested' && low) this.#setFlow('flowing');
  }

  #checkStall(): void {
    if (this.#flow === 'stalled' || this.#backlog === 0 || this.#isClosed()) return;
    if (performance.now() - this.#progressAt >= this.#stallMs) this.#setFlow('stalled');
  }

  #setFlow(next: NodeBusFlow): void {
    const previous = this.#flow;
    if (previous === next) return;
    this.#flow = next;
    this.emit('flow', next, previous);
  }

  async #readLoop(): Promise<void> {
    const inbox = this.#keys.inbox(this.nodeId);
    // Ends when close() sets the state; each turn blocks at most blockMs.
    while (!this.#isClosed()) {
      try {
        if (this.#checkClock) {
          this.#checkClock = false;
          // A Redis whose clock is behind our last entry would hand out smaller ids we would never read.
          if ((await this.#redisNowMs()) < Number(this.#lastId.split('-')[0])) this.#lastId = '0-0';
        }
        const reply = (await this.#reader.xread('COUNT', 1000, 'BLOCK', this.#blockMs, 'STREAMS', inbox, this.#lastId)) as
          | [string, [string, string[]][]][]
          | null;
        for (const [, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            this.#lastId = id;
            this.#receive(fields);
          }
        }
      } catch (error) {
        if (this.#isClosed()) return;
        this.emit('error', error instanceof Error ? error : new Error(String(error)));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  #receive(fields: string[]): void {
    const envelope = decodeEnvelope(fields);
    if (!envelope) {
      this.emit('error', new Error('an inbox entry that is not a bus message; skipped'));
      return;
    }
    const sender = `${envelope.from}/${envelope.epoch}`;
    for (let i = 0; i < envelope.bodies.length; i++) {
      const seq = envelope.seq + i;
      const seen = this.#seenSeq.get(sender) ?? 0;
      if (seq <= seen) continue; // a resend after a reconnect: delivered already
      this.#seenSeq.set(sender, seq);
      if (seq > seen + 1 && seen > 0) this.emit('gap', envelope.from, seq - seen - 1);
      this.emit('message', envelope.bodies[i] as string, envelope.from);
    }
  }

  async #redisNowMs(): Promise<number> {
    const [seconds, micros] = await this.#reader.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  /** A method, not a field test, so TypeScript does not narrow it away across awaits. */
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #setState(next: NodeBusState): void {
    const previous = this.#state;
    if (previous === next) return;
    this.#state = next;
    this.emit('state', next, previous);
  }
}

function decodeEnvelope(fields: string[]): Envelope | undefined {
  let from: string | undefined;
  let epoch: string | undefined;
  let seq = Number.NaN;
  const bodies: string[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i];
    const value = fields[i + 1] as string;
    if (name === 'body') bodies.push(value);
    else if (name === 'from') from = value;
    else if (name === 'epoch') epoch = value;
    else if (name === 'seq') seq = Number(value);
  }
  if (!from || !epoch || !Number.isSafeInteger(seq) || seq < 1 || bodies.length === 0) return undefined;
  return { from, epoch, seq, bodies };
}

function openBatch(firstSeq: number): Batch {
  let settle: (result: SendResult) => void = () => undefined;
  const done = new Promise<SendResult>((resolve) => (settle = resolve));
  return { firstSeq, bodies: [], bytes: 0, done, settle };
}
