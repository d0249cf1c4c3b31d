/** Where a received file's bytes go while they arrive. */
export interface FileSink {
  /** Queues bytes to store. The sink keeps `chunk`: the caller must not change it afterwards. */
  write(chunk: Uint8Array<ArrayBuffer>): void;
  /** Waits for every write, then hands over the whole file. */
  finish(): Promise<File>;
  /** Drops what was written. Safe to call twice. */
  discard(): Promise<void>;
}

/**
 * Writes to the Origin Private File System: a 1 GiB file goes to disk as it
 * arrives instead of sitting in memory, and the finished File is disk-backed.
 */
export class OpfsSink implements FileSink {
  #writing: Promise<void> = Promise.resolve();
  #failure: unknown;

  private constructor(
    private readonly directory: FileSystemDirectoryHandle,
    private readonly entry: string,
    private readonly writable: FileSystemWritableFileStream,
    private readonly name: string,
    private readonly mime: string,
  ) {}

  static async open(transferId: string, name: string, mime: string): Promise<OpfsSink> {
    const directory = await navigator.storage.getDirectory();
    const entry = `parley-${transferId}`;
    const handle = await directory.getFileHandle(entry, { create: true });
    return new OpfsSink(directory, entry, await handle.createWritable(), name, mime);
  }

  write(chunk: Uint8Array<ArrayBuffer>): void {
    this.#writing = this.#writing.then(() => this.writable.write(chunk)).catch((error: unknown) => {
      this.#failure ??= error;
    });
  }

  async finish(): Promise<File> {
    await this.#writing;
    if (this.#failure) throw this.#failure;
    await this.writable.close();
    const stored = await (await this.directory.getFileHandle(this.entry)).getFile();
    return new File([stored], this.name, { type: this.mime });
  }

  async discard(): Promise<void> {
    await this.#writing;
    await this.writable.abort().catch(() => undefined);
    await this.directory.removeEntry(this.entry).catch(() => undefined);
  }
}

/** The fallback without OPFS: parts folded into Blobs, which Chromium may page to disk. */
export class MemorySink implements FileSink {
  #parts: BlobPart[] = [];
  #pending = 0;
  static readonly FOLD_BYTES = 32 * 1024 * 1024;

  constructor(
    private readonly name: string,
    private readonly mime: string,
  ) {}

  write(chunk: Uint8Array<ArrayBuffer>): void {
    this.#parts.push(chunk);
    this.#pending += chunk.length;
    if (this.#pending >= MemorySink.FOLD_BYTES) {
      this.#parts = [new Blob(this.#parts)];
      this.#pending = 0;
    }
  }

  async finish(): Promise<File> {
    return new File(this.#parts, this.name, { type: this.mime });
  }

  async discard(): Promise<void> {
    this.#parts = [];
  }
}

export async function openSink(transferId: string, name: string, mime: string): Promise<FileSink> {
  try {
    return await OpfsSink.open(transferId, name, mime);
  } catch {
    // No OPFS here (older browser, storage off): keep the file in Blobs instead.
    return new MemorySink(name, mime);
  }
}
