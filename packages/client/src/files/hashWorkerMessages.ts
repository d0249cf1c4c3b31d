/**
 * What the page and the hashing worker (hashWorkerScript.ts) say to each other.
 * Each digest has a number the page picks; messages about one digest are
 * handled in the order they were posted.
 */
export type HashWorkerRequest =
  /** Hash `buffer` as consecutive blocks of FILE_HASH_BLOCK_BYTES (the last may be short). The buffer is transferred. */
  | { type: 'add'; digest: number; buffer: ArrayBuffer }
  /**
   * Also write every buffer of `digest`, in order, to the file `entry` at the
   * root of the origin's private file system (OPFS), through a sync access
   * handle. Sent before the digest's first `add`; answered `store-opened` or
   * `store-failed`, and later `write-failed` if a write fails.
   */
  | { type: 'store'; digest: number; entry: string }
  /** Every block is in: answer with the digest of the block list (a stored file is flushed and closed first). */
  | { type: 'hex'; digest: number }
  /** The transfer ended without a digest: forget it (a stored file is closed and removed). */
  | { type: 'drop'; digest: number };

export type HashWorkerReply =
  /** The worker's script ran: requests may follow. */
  | { type: 'ready' }
  | { type: 'store-opened'; digest: number }
  | { type: 'store-failed'; digest: number; message: string }
  /** A stored digest's file could not be written: nothing more is written, and its `hex` fails. Sent at once, once. */
  | { type: 'write-failed'; digest: number; message: string }
  | { type: 'hex'; digest: number; hex: string }
  | { type: 'failed'; digest: number; message: string };
