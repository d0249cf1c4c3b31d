/**
 * The pushes a session sent that the client may not have read yet, so a
 * resume can replay exactly those. A push is known read once the client
 * answers a ping sent after it (WebSocket frames are handled in order), so
 * the buffer holds about a second of messages (see PushLog for what it keeps).
 */
export class ReplayBuffer<T> {
  #seqs: number[] = [];
  #texts: T[] = [];
  /** Index of the oldest live entry; the arrays are compacted when it passes half. */
  #head = 0;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.#seqs.length - this.#head;
  }

  push(seq: number, encoded: T): void {
    this.#seqs.push(seq);
    this.#texts.push(encoded);
    if (this.size > this.capacity) this.#head++;
    this.#compact();
  }

  /** Forgets everything up to and including `seq`: the client has it. */
  acknowledge(seq: number): void {
    while (this.#head < this.#seqs.length && (this.#seqs[this.#head] as number) <= seq) this.#head++;
    this.#compact();
  }

  /**
   * Everything after `seq`, in order, as [seq, kept] pairs; undefined when
   * some of it is no longer held (the buffer overflowed), so the caller knows
   * the replay would have a hole.
   */
  after(seq: number): [number, T][] | undefined {
    const oldest = this.#seqs[this.#head];
    if (oldest !== undefined && oldest > seq + 1) return undefined;
    const out: [number, T][] = [];
    for (let i = this.#head; i < this.#seqs.length; i++) {
      if ((this.#seqs[i] as number) > seq) out.push([this.#seqs[i] as number, this.#texts[i] as T]);
    }
    return out;
  }

  #compact(): void {
    if (this.#head === 0 || this.#head < this.#seqs.length / 2) return;
    this.#seqs = this.#seqs.slice(this.#head);
    this.#texts = this.#texts.slice(this.#head);
    this.#head = 0;
  }
}
