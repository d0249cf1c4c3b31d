import type { Unavailable } from './redisConnection.js';

export type NonceUse = { ok: true } | { ok: false; code: 'nonce-used'; reason: string } | Unavailable;

/**
 * Resume-token nonces already spent: a token resumes once. The in-memory
 * ledger serves one server; the Redis one (RedisNonceLedger) is shared by all
 * nodes and outlives their restarts.
 */
export interface NonceLedger {
  /**
   * Spends `nonce`, remembered until `expiresAt` (ms since the epoch: when the
   * token stops being valid anyway). Succeeds once per nonce.
   */
  use(nonce: string, expiresAt: number): Promise<NonceUse>;
}

const USED: NonceUse = { ok: false, code: 'nonce-used', reason: 'this resume token was already used' };

/** One process's ledger. Expired nonces are swept as new ones arrive, so it stays as small as the live tokens. */
export class InMemoryNonceLedger implements NonceLedger {
  readonly #expiry = new Map<string, number>();
  #nextSweep = 0;

  get size(): number {
    return this.#expiry.size;
  }

  async use(nonce: string, expiresAt: number, now = Date.now()): Promise<NonceUse> {
    if (now >= this.#nextSweep) this.#sweep(now);
    const known = this.#expiry.get(nonce);
    if (known !== undefined && known > now) return USED;
    this.#expiry.set(nonce, expiresAt);
    return { ok: true };
  }

  #sweep(now: number): void {
    for (const [nonce, expiresAt] of this.#expiry) if (expiresAt <= now) this.#expiry.delete(nonce);
    this.#nextSweep = now + 1000;
  }
}
