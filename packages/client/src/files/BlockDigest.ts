import { FILE_HASH_BLOCK_BYTES } from '@parley/protocol';
import { HashWorker } from './HashWorker.js';

/**
 * The digest both ends of a file transfer compute: SHA-256 of each block of
 * FILE_HASH_BLOCK_BYTES, then SHA-256 of those digests in order. The hashing
 * runs in the page's hashing worker (HashWorker): Chromium's Web Crypto
 * hashes on the calling thread, ~1.7 s per 48 MiB on the main thread here
 * (docs/benchmarks.md), time the data channel's messages then wait for. An
 * incremental SHA-256 in JavaScript was slower still (~3 s per 32 MiB).
 */
export class BlockDigest {
  readonly #hasher = HashWorker.shared();
  readonly #id = this.#hasher.open();
  #ended = false;
  #finished = false;

  /**
   * Has the hashing worker also write every byte added from now on to the
   * OPFS file `entry` (see HashWorker.store): call before the first `add`.
   * Rejects when it cannot: then drop this digest and hash with another.
   * `onWriteFailed` hears at once of a write that fails later.
   */
  store(entry: string, onWriteFailed: (reason: string) => void): Promise<void> {
    return this.#hasher.store(this.#id, entry, onWriteFailed);
  }

  /**
   * Adds the next bytes: a whole number of blocks, except in the last call.
   * With `handOver` the digest takes `bytes`' buffer (it must be exactly that
   * buffer) and the caller must not touch it again: no copy is made.
   */
  add(bytes: Uint8Array<ArrayBuffer>, handOver = false): void {
    if (this.#ended || this.#finished) throw new Error('bytes came after the last block');
    if (bytes.length % FILE_HASH_BLOCK_BYTES !== 0) this.#ended = true;
    if (bytes.length === 0) return;
    const whole = handOver && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    this.#hasher.add(this.#id, whole ? bytes.buffer : bytes.slice().buffer);
  }

  /** Hex digest of the block list; resolves once every block is hashed. */
  hex(): Promise<string> {
    this.#finished = true;
    return this.#hasher.hex(this.#id);
  }

  /** The transfer ended early: free what the hasher holds for it. Safe to call twice, and after `hex()`. */
  drop(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#hasher.drop(this.#id);
  }
}
