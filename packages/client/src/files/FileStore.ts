import { openSink } from './FileSink.js';
import { PageFileStore } from './PageFileStore.js';
import { WorkerFileStore } from './WorkerFileStore.js';

/** A received file once every byte is stored: its block list digest and, if it matches, the file. */
export interface StoredFile {
  /** Hex SHA-256 of the block digests (what the sender's end frame carries). */
  blockListSha256: string;
  /** The stored bytes as a File; only worth asking for when the digest matched. */
  file(): Promise<File>;
}

/** Where a received file's bytes go while they arrive: hashed and stored. */
export interface FileStore {
  /** Whether the hashing worker stores the bytes (through an OPFS sync access handle) rather than the page. */
  readonly inWorker: boolean;
  /**
   * Takes the next bytes: whole hash blocks, except in the last call. The
   * store keeps `chunk`'s buffer (it may be detached): the caller must not
   * touch it again.
   */
  write(chunk: Uint8Array<ArrayBuffer>): void;
  /** Waits until every byte is hashed and stored; rejects when storing failed. */
  finish(): Promise<StoredFile>;
  /** Drops what was stored. Safe to call twice, and after `finish()`. */
  discard(): Promise<void>;
}

/**
 * The cheapest store this page has: the hashing worker writing to OPFS
 * itself (one hand-over per buffer, no copy, no round trip to the browser
 * process per write), else the page hashing through the worker and writing
 * through OPFS's writable stream or into memory (FileSink.ts).
 *
 * `onFailed` hears at once that storing failed while the bytes arrive (the
 * worker's store: a full disk, say), so the transfer can stop without the
 * rest of the file; `finish()` rejects then too. The page's store tells it
 * by `finish()` only.
 */
export async function openFileStore(transferId: string, name: string, mime: string, onFailed: (reason: string) => void): Promise<FileStore> {
  const inWorker = await WorkerFileStore.open(transferId, name, mime, onFailed).catch(() => undefined);
  return inWorker ?? new PageFileStore(await openSink(transferId, name, mime));
}
