/**
 * The parts of the File System Access API a worker uses to write a file
 * without a round trip per write (typed by hand: TypeScript's DOM lib has no
 * sync access handle, it exists only in dedicated workers).
 */
interface SyncAccessHandle {
  write(buffer: Uint8Array<ArrayBuffer>, options: { at: number }): number;
  flush(): void;
  close(): void;
}

interface SyncFileHandle {
  createSyncAccessHandle(): Promise<SyncAccessHandle>;
}

/**
 * Writes one received file into the origin's private file system from the
 * hashing worker, through a sync access handle: each write is a plain write
 * to a file the renderer holds open. The page's other way,
 * FileSystemWritableFileStream (FileSink.ts), sends every write as a Blob to
 * the browser process, which writes it to a swap file and moves that into
 * place on close.
 *
 * Writes wait for the handle to open and run in the order they were asked
 * for; the first failure stops the writing, is told to `onFailure` at once
 * (a transfer need not send the rest of the file for nothing) and is
 * reported again by `close()`.
 */
export class OpfsSyncWriter {
  readonly #directory: Promise<FileSystemDirectoryHandle>;
  readonly #handle: Promise<SyncAccessHandle>;
  #writing: Promise<void>;
  #at = 0;
  #failure: string | undefined;
  #closed = false;

  constructor(
    readonly entry: string,
    private readonly onFailure: (reason: string) => void = () => undefined,
    directory: Promise<FileSystemDirectoryHandle> = navigator.storage.getDirectory(),
  ) {
    this.#directory = directory;
    this.#handle = this.#directory.then(async (directory) => {
      const file = (await directory.getFileHandle(entry, { create: true })) as unknown as SyncFileHandle;
      return file.createSyncAccessHandle();
    });
    this.#writing = this.#handle.then(() => undefined);
    // Whoever awaits `opened()` sees an open failure; this only marks it handled for the write chain.
    this.#writing.catch(() => undefined);
  }

  /** Resolves once the file is open for writing; rejects with why it could not be. */
  async opened(): Promise<void> {
    await this.#handle;
  }

  /** Appends `bytes` (the writer keeps them until written). */
  write(bytes: Uint8Array<ArrayBuffer>): void {
    const at = this.#at;
    this.#at += bytes.length;
    this.#writing = this.#writing.then(async () => {
      if (this.#failure !== undefined || this.#closed) return;
      const handle = await this.#handle;
      try {
        const written = handle.write(bytes, { at });
        if (written !== bytes.length) this.#fail(`wrote ${written} of ${bytes.length} bytes at ${at}`);
      } catch (error) {
        this.#fail(String(error));
      }
    });
  }

  #fail(reason: string): void {
    if (this.#failure !== undefined) return;
    this.#failure = reason;
    this.onFailure(reason);
  }

  /** Waits for every write, flushes and closes the file; rejects with the first failure. */
  async close(): Promise<void> {
    await this.#writing.catch(() => undefined);
    const handle = await this.#handle;
    if (!this.#closed) {
      this.#closed = true;
      try {
        if (this.#failure === undefined) handle.flush();
      } finally {
        handle.close();
      }
    }
    if (this.#failure !== undefined) throw new Error(this.#failure);
  }

  /** Stops writing, closes the file and removes it. Safe to call after `close()` and twice. */
  async remove(): Promise<void> {
    this.#failure ??= 'removed';
    await this.close().catch(() => undefined);
    await this.#directory.then((directory) => directory.removeEntry(this.entry)).catch(() => undefined);
  }
}
