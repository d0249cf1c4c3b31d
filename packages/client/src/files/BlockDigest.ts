import { FILE_HASH_BLOCK_BYTES } from '@parley/protocol';

/**
 * The digest both ends of a file transfer compute: SHA-256 of each block of
 * FILE_HASH_BLOCK_BYTES (Web Crypto: native, and a copy is taken at the
 * call, so the caller may reuse its buffer; Chromium still hashes on the
 * calling thread, ~1.7 s of main thread per 48 MiB, see docs/benchmarks.md), then SHA-256 of
 * those digests in order. An incremental SHA-256 in JavaScript cost ~3 s of
 * main-thread time per 32 MiB here, on both sides, and starved the channel.
 */
export class BlockDigest {
  readonly #blocks: Promise<ArrayBuffer>[] = [];
  #ended = false;

  /** Adds the next block; every block but the last must be exactly FILE_HASH_BLOCK_BYTES. */
  add(block: Uint8Array<ArrayBuffer>): void {
    if (this.#ended) throw new Error('a block came after the last one');
    if (block.length !== FILE_HASH_BLOCK_BYTES) this.#ended = true;
    this.#blocks.push(crypto.subtle.digest('SHA-256', block));
  }

  /** Hex digest of the block list; resolves once every block is hashed. */
  async hex(): Promise<string> {
    const digests = await Promise.all(this.#blocks);
    const list = new Uint8Array(digests.length * 32);
    digests.forEach((digest, index) => list.set(new Uint8Array(digest), index * 32));
    const root = new Uint8Array(await crypto.subtle.digest('SHA-256', list));
    return Array.from(root, (byte) => byte.toString(16).padStart(2, '0')).join('');
  }
}
