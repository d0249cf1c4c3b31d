import { FILE_HASH_BLOCK_BYTES } from '@parley/protocol';
import { blockListHex, hashBlocks } from './blockListHex.js';
import type { HashWorkerReply, HashWorkerRequest } from './hashWorkerMessages.js';

/**
 * starting → ready, or starting → local when the worker cannot run (no
 * Worker, as in Node; the script missing; a CSP that refuses it), and
 * ready → local if it dies. Local means hashing on this thread, as before.
 */
type HashWorkerState = 'starting' | 'ready' | 'local';

/** Stop an idle worker after this long: a page that sends no more files holds no thread. */
const IDLE_MS = 30_000;

/**
 * Hashes file blocks for every transfer of the page, in one dedicated worker
 * when it can (see hashWorkerScript.ts for why), else on this thread. Requests made
 * while the worker starts wait in order; if it never starts they are hashed
 * here, so a transfer never depends on the worker being there.
 */
export class HashWorker {
  static #shared: HashWorker | undefined;

  /** The page's hashing worker, started on first use. */
  static shared(): HashWorker {
    HashWorker.#shared ??= new HashWorker();
    return HashWorker.#shared;
  }

  #state: HashWorkerState = 'local';
  #worker: Worker | undefined;
  /** Requests (with the buffers they will transfer) posted before the worker said it is ready. */
  #queued: HashWorkerRequest[] = [];
  /** Digests computed on this thread (state `local`). */
  readonly #local = new Map<number, Promise<ArrayBuffer>[]>();
  readonly #answers = new Map<number, { resolve: (hex: string) => void; reject: (error: Error) => void }>();
  readonly #stores = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  /** Who to tell when a stored digest's write fails, until its `hex` or `drop`. */
  readonly #writeFailures = new Map<number, (reason: string) => void>();
  #open = new Set<number>();
  #next = 1;
  #idle: ReturnType<typeof setTimeout> | undefined;

  /** A new digest's number; blocks for it go to `add`, in order. */
  open(): number {
    const id = this.#next++;
    this.#open.add(id);
    clearTimeout(this.#idle);
    if (!this.#worker && this.#state === 'local') this.#start();
    return id;
  }

  /** Hashes `buffer` as consecutive blocks of `digest`; the buffer is handed over (detached when the worker takes it). */
  add(digest: number, buffer: ArrayBuffer): void {
    this.#request({ type: 'add', digest, buffer });
  }

  /**
   * Asks the worker to also write the digest's bytes to the OPFS file
   * `entry`; call before the first `add`. Resolves once the file is open,
   * rejects when it cannot be (no worker, no OPFS or no sync access handle
   * in workers): then nothing is written and the caller stores the bytes
   * itself. `onWriteFailed` hears of a write that failed later, at once.
   */
  store(digest: number, entry: string, onWriteFailed: (reason: string) => void): Promise<void> {
    const opened = new Promise<void>((resolve, reject) => this.#stores.set(digest, { resolve, reject }));
    this.#writeFailures.set(digest, onWriteFailed);
    this.#request({ type: 'store', digest, entry });
    return opened;
  }

  /** The digest of the block list once every block added so far is hashed (and, if stored, written and closed). */
  hex(digest: number): Promise<string> {
    const answer = new Promise<string>((resolve, reject) => this.#answers.set(digest, { resolve, reject }));
    this.#request({ type: 'hex', digest });
    return answer;
  }

  /** Forgets a digest that will never be asked for. */
  drop(digest: number): void {
    this.#request({ type: 'drop', digest });
  }

  #start(): void {
    try {
      // A literal `new URL(..., import.meta.url)` inside `new Worker(...)`: bundlers (Vite) emit the script as an asset of its own.
      this.#worker = new Worker(new URL('./hashWorkerScript.js', import.meta.url), { type: 'module', name: 'parley-hash' });
    } catch {
      return; // No Worker here (Node) or refused at once: stay local.
    }
    this.#state = 'starting';
    this.#worker.addEventListener('message', (event: MessageEvent<HashWorkerReply>) => this.#onReply(event.data));
    this.#worker.addEventListener('error', (event) => {
      event.preventDefault();
      this.#fallBack(`the hashing worker failed: ${event.message || 'it could not start'}`);
    });
  }

  #request(request: HashWorkerRequest): void {
    if (request.type === 'hex' || request.type === 'drop') this.#closed(request.digest);
    if (this.#state === 'starting') this.#queued.push(request);
    else if (this.#state === 'ready') this.#post(request);
    else this.#hashHere(request);
  }

  #post(request: HashWorkerRequest): void {
    this.#worker?.postMessage(request, request.type === 'add' ? [request.buffer] : []);
  }

  #onReply(reply: HashWorkerReply): void {
    if (reply.type === 'ready') {
      this.#state = 'ready';
      for (const request of this.#queued.splice(0)) this.#post(request);
      return;
    }
    if (reply.type === 'write-failed') {
      this.#writeFailures.get(reply.digest)?.(reply.message);
      this.#writeFailures.delete(reply.digest);
      return;
    }
    if (reply.type === 'store-opened' || reply.type === 'store-failed') {
      const store = this.#stores.get(reply.digest);
      this.#stores.delete(reply.digest);
      if (reply.type === 'store-opened') store?.resolve();
      else store?.reject(new Error(reply.message));
      return;
    }
    const answer = this.#answers.get(reply.digest);
    this.#answers.delete(reply.digest);
    if (reply.type === 'hex') answer?.resolve(reply.hex);
    else answer?.reject(new Error(reply.message));
  }

  /**
   * The worker is gone. Requests it never took are hashed here; digests it
   * already holds blocks of cannot be finished, so their answers fail (the
   * transfer fails with a reason rather than waiting for ever).
   */
  #fallBack(reason: string): void {
    const wasReady = this.#state === 'ready';
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#state = 'local';
    if (wasReady) {
      for (const answer of [...this.#answers.values(), ...this.#stores.values()]) answer.reject(new Error(reason));
      this.#answers.clear();
      this.#stores.clear();
      this.#writeFailures.clear();
    }
    for (const request of this.#queued.splice(0)) this.#hashHere(request);
  }

  #hashHere(request: HashWorkerRequest): void {
    if (request.type === 'store') {
      this.#writeFailures.delete(request.digest);
      // Only a worker can hold a sync access handle: the caller stores the bytes itself.
      this.#stores.get(request.digest)?.reject(new Error('no hashing worker to store the file'));
      this.#stores.delete(request.digest);
      return;
    }
    const blocks = this.#local.get(request.digest) ?? [];
    if (request.type === 'add') {
      blocks.push(...hashBlocks(new Uint8Array(request.buffer), FILE_HASH_BLOCK_BYTES));
      this.#local.set(request.digest, blocks);
      return;
    }
    this.#local.delete(request.digest);
    if (request.type === 'drop') return;
    const answer = this.#answers.get(request.digest);
    this.#answers.delete(request.digest);
    Promise.all(blocks)
      .then(blockListHex)
      .then(
        (hex) => answer?.resolve(hex),
        (error: unknown) => answer?.reject(error instanceof Error ? error : new Error(String(error))),
      );
  }

  /** A digest is finished with: once none is open for IDLE_MS, the worker stops. */
  #closed(digest: number): void {
    this.#open.delete(digest);
    // A failure after this is told by the answer to `hex`, or of no interest after `drop`.
    this.#writeFailures.delete(digest);
    if (this.#open.size > 0 || !this.#worker) return;
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => {
      if (this.#open.size > 0 || this.#answers.size > 0 || this.#stores.size > 0) return;
      this.#worker?.terminate();
      this.#worker = undefined;
      this.#state = 'local';
    }, IDLE_MS);
  }
}
