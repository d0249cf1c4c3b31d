/**
 * What the page and the hashing worker (hashWorkerScript.ts) say to each other.
 * Each digest has a number the page picks; messages about one digest are
 * handled in the order they were posted.
 */
export type HashWorkerRequest =
  /** Hash `buffer` as consecutive blocks of FILE_HASH_BLOCK_BYTES (the last may be short). The buffer is transferred. */
  | { type: 'add'; digest: number; buffer: ArrayBuffer }
  /** Every block is in: answer with the digest of the block list. */
  | { type: 'hex'; digest: number }
  /** The transfer ended without a digest: forget it. */
  | { type: 'drop'; digest: number };

export type HashWorkerReply =
  /** The worker's script ran: requests may follow. */
  | { type: 'ready' }
  | { type: 'hex'; digest: number; hex: string }
  | { type: 'failed'; digest: number; message: string };
