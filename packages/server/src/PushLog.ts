import { ReplayBuffer } from './ReplayBuffer.js';

/**
 * The pushes a session sent its client, numbered. Each is kept until the
 * client has surely read it (a pong echoing a number at or after it), so a
 * resume after a silent drop can replay what went into the dead socket.
 *
 * A push is kept as the bytes written to the socket (the same Buffer is
 * written and kept), not as a string: a Buffer's bytes live outside V8's
 * heap. Kept about a second, the pushes of a burst of call setups (40,000
 * messages a second at C = 10,000) outlive a young-generation collection or
 * two; as strings they were most of what each one copied, and then promoted.
 * Encoding them once is no extra work: `ws` measured and encoded each string
 * pushed anyway.
 */
export class PushLog {
  #seq = 0;
  /** The highest push seq a pong acknowledged: the client has read everything up to it. */
  #acked = 0;
  #replay: ReplayBuffer<Buffer>;

  constructor(capacity: number) {
    this.#replay = new ReplayBuffer(capacity);
  }

  /** The number of the last push sent. */
  get lastSeq(): number {
    return this.#seq;
  }

  /** Pushes the client may not have read. */
  get unread(): number {
    return this.#replay.size;
  }

  /** Numbers and keeps a push (the encoded ServerMessage); returns the bytes to write. */
  record(encoded: string): Buffer {
    const seq = ++this.#seq;
    const bytes = Buffer.from(numbered(seq, encoded));
    this.#replay.push(seq, bytes);
    return bytes;
  }

  /**
   * A pong's payload: the number of the last push sent before its ping (a
   * pong that says more than we sent, or nothing we understand, acknowledges
   * nothing).
   */
  acknowledge(payload: Buffer): void {
    const seq = payload.length > 0 && payload.length <= 16 ? Number(payload.toString('latin1')) : NaN;
    if (!Number.isSafeInteger(seq) || seq < this.#acked || seq > this.#seq) return;
    this.#acked = seq;
    this.#replay.acknowledge(seq);
  }

  /**
   * What to replay to a client that read up to `lastSeq` (or, when it does
   * not say, up to what it acknowledged): `complete` is false when some of it
   * is no longer held, and then everything still held is given.
   */
  since(lastSeq: number | undefined): { pushes: [number, Buffer][]; complete: boolean; from: number } {
    const from = lastSeq ?? this.#acked;
    const missed = this.#replay.after(from);
    return { pushes: missed ?? this.#replay.after(-1) ?? [], complete: missed !== undefined, from };
  }

  /** Nothing more will be replayed (the session ended or moved). */
  discard(): void {
    this.#replay = new ReplayBuffer(0);
  }
}

/** Puts the push number first in an encoded push: `{"seq":7,"type":"signal",...}`. */
export function numbered(seq: number, encoded: string): string {
  return `{"seq":${seq},${encoded.slice(1)}`;
}
