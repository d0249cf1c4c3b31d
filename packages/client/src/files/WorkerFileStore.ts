import { BlockDigest } from './BlockDigest.js';
import type { FileStore, StoredFile } from './FileStore.js';

/**
 * The hashing worker hashes and writes each buffer it is handed (see
 * OpfsSyncWriter): the page's part is one postMessage per 4 MiB that moves
 * the buffer, not a copy. The file is an OPFS entry named after the
 * transfer; the page reads it back once the worker has closed it.
 */
export class WorkerFileStore implements FileStore {
  readonly inWorker = true;
  #state: 'writing' | 'finished' | 'discarded' = 'writing';
  /** The worker's answer to `finish()`: the file is closed once it came. */
  #finishing: Promise<string> | undefined;

  private constructor(
    private readonly digest: BlockDigest,
    private readonly entry: string,
    private readonly name: string,
    private readonly mime: string,
  ) {}

  /**
   * Rejects when the worker cannot store (no worker, no OPFS, no sync access
   * handle); nothing is left behind then. `onFailed`: see openFileStore.
   */
  static async open(transferId: string, name: string, mime: string, onFailed: (reason: string) => void): Promise<WorkerFileStore> {
    const digest = new BlockDigest();
    const entry = `parley-${transferId}`;
    try {
      await digest.store(entry, onFailed);
    } catch (error) {
      digest.drop();
      throw error;
    }
    return new WorkerFileStore(digest, entry, name, mime);
  }

  write(chunk: Uint8Array<ArrayBuffer>): void {
    if (this.#state !== 'writing') return;
    this.digest.add(chunk, true);
  }

  async finish(): Promise<StoredFile> {
    this.#state = 'finished';
    this.#finishing = this.digest.hex();
    const blockListSha256 = await this.#finishing;
    return {
      blockListSha256,
      file: async () => {
        const directory = await navigator.storage.getDirectory();
        const stored = await (await directory.getFileHandle(this.entry)).getFile();
        return new File([stored], this.name, { type: this.mime });
      },
    };
  }

  async discard(): Promise<void> {
    const state = this.#state;
    if (state === 'discarded') return;
    this.#state = 'discarded';
    // While writing the worker holds the file open: it closes and removes it. Once finished the file is closed and ours to remove.
    if (state === 'writing') return this.digest.drop();
    await this.#finishing?.catch(() => undefined);
    const directory = await navigator.storage.getDirectory().catch(() => undefined);
    await directory?.removeEntry(this.entry).catch(() => undefined);
  }
}
