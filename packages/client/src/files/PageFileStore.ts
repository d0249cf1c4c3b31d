import { BlockDigest } from './BlockDigest.js';
import type { FileSink } from './FileSink.js';
import type { FileStore, StoredFile } from './FileStore.js';

/**
 * Without a worker that can store: the hashing worker (or this thread) gets
 * a copy of each buffer and the page writes the buffer through a FileSink.
 */
export class PageFileStore implements FileStore {
  readonly inWorker = false;
  readonly #digest = new BlockDigest();
  #discarded = false;

  constructor(private readonly sink: FileSink) {}

  write(chunk: Uint8Array<ArrayBuffer>): void {
    this.#digest.add(chunk);
    this.sink.write(chunk);
  }

  async finish(): Promise<StoredFile> {
    const blockListSha256 = await this.#digest.hex();
    return { blockListSha256, file: () => this.sink.finish() };
  }

  async discard(): Promise<void> {
    if (this.#discarded) return;
    this.#discarded = true;
    this.#digest.drop();
    await this.sink.discard();
  }
}
