import { randomFillSync } from 'node:crypto';

/**
 * Random bytes drawn from the system's CSPRNG a pool at a time. Each call to
 * `randomBytes` is a trip into OpenSSL that cost 25–30 µs on a loaded 2-core
 * machine, and every join needs two (the participant id and the resume
 * token's nonce); a pool of 4 KiB makes that one trip per ~200 joins. Every
 * byte is handed out once, so the ids are as unguessable as before (Node's
 * own `randomUUID` caches its randomness the same way).
 */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let used = POOL_BYTES;

/** `byteCount` fresh random bytes as URL-safe base64 (at most POOL_BYTES). */
export function randomBase64url(byteCount: number): string {
  if (!Number.isInteger(byteCount) || byteCount < 1 || byteCount > POOL_BYTES) throw new RangeError(`randomBase64url: byteCount must be 1 to ${POOL_BYTES}, not ${byteCount}`);
  if (used + byteCount > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const text = pool.toString('base64url', used, used + byteCount);
  used += byteCount;
  return text;
}
