import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * scrypt cost: N=2^14, r=8 uses 16 MiB and about 50 ms of one core per hash
 * here, which makes a guess expensive without letting a handful of
 * concurrent joins pin the server's memory (the password attempt limit
 * bounds how many run at once per room and per address).
 */
const PARAMS: ScryptOptions = { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;

/**
 * A room password as the server keeps it: only a salted scrypt hash, never the
 * password. Hashing runs on libuv's thread pool (async `scrypt`), so the event
 * loop keeps relaying signals while it works. `encode()`/`decode()` give a
 * string form for a shared store later.
 */
export class PasswordHash {
  private constructor(
    readonly salt: Buffer,
    readonly hash: Buffer,
  ) {}

  static async create(password: string): Promise<PasswordHash> {
    const salt = randomBytes(SALT_BYTES);
    return new PasswordHash(salt, await derive(password, salt));
  }

  /** `scrypt$<salt>$<hash>`, base64url; the cost parameters are this file's. */
  encode(): string {
    return `scrypt$${this.salt.toString('base64url')}$${this.hash.toString('base64url')}`;
  }

  static decode(encoded: string): PasswordHash | undefined {
    const [kind, salt, hash] = encoded.split('$');
    if (kind !== 'scrypt' || !salt || !hash) return undefined;
    const saltBytes = Buffer.from(salt, 'base64url');
    const hashBytes = Buffer.from(hash, 'base64url');
    if (saltBytes.length !== SALT_BYTES || hashBytes.length !== KEY_BYTES) return undefined;
    return new PasswordHash(saltBytes, hashBytes);
  }

  /** Compares in constant time: how long it takes says nothing about how close a guess was. */
  async matches(password: string): Promise<boolean> {
    const candidate = await derive(password, this.salt);
    return timingSafeEqual(candidate, this.hash);
  }
}

function derive(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, PARAMS, (error, key) => (error ? reject(error) : resolve(key)));
  });
}
