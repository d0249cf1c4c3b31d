/**
 * The root of a file's digest: SHA-256 of its block digests in order, in hex.
 * Shared by the page and the hashing worker so both compute the same thing.
 */
export async function blockListHex(digests: readonly ArrayBuffer[]): Promise<string> {
  const list = new Uint8Array(digests.length * 32);
  digests.forEach((digest, index) => list.set(new Uint8Array(digest), index * 32));
  const root = new Uint8Array(await crypto.subtle.digest('SHA-256', list));
  return Array.from(root, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** SHA-256 of each FILE_HASH_BLOCK_BYTES block of `bytes` (the last may be short), started at once. */
export function hashBlocks(bytes: Uint8Array<ArrayBuffer>, blockBytes: number): Promise<ArrayBuffer>[] {
  const started: Promise<ArrayBuffer>[] = [];
  for (let at = 0; at < bytes.length; at += blockBytes) started.push(crypto.subtle.digest('SHA-256', bytes.subarray(at, at + blockBytes)));
  return started;
}
