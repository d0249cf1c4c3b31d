import type { Unavailable } from './redisConnection.js';

/** `removed`: spent because a host removed its participant (a resume is told so, not just that the token is used). */
export type NonceUse = { ok: true } | { ok: false; code: 'nonce-used'; reason: string; removed: boolean } | Unavailable;

/** Why a nonce was spent: a resume (or the participant left), or a host's removal. */
export type NonceSpending = 'used' | 'removed';

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
  use(nonce: string, expiresAt: number, why?: NonceSpending): Promise<NonceUse>;
}

export function nonceUsed(why: NonceSpending): NonceUse {
  return { ok: false, code: 'nonce-used', reason: why === 'removed' ? 'a host removed this participant' : 'this resume token was already used', removed: why === 'removed' };
}

/** One process's ledger. Expired nonces are swept as new ones arrive, so it stays as small as the live tokens. */
export class InMemoryNonceLedger implements NonceLedger {
  readonly #expiry = new Map<string, { expiresAt: number; why: NonceSpending }>();
  #nextSweep = 0;

  get size(): number {
    return this.#expiry.size;
  }

  async use(nonce: string, expiresAt: number, why: NonceSpending = 'used', now = Date.now()): Promise<NonceUse> {
    if (now >= this.#nextSweep) this.#sweep(now);
    const known = this.#expiry.get(nonce);
    if (known !== undefined && known.expiresAt > now) return nonceUsed(known.why);
    this.#expiry.set(nonce, { expiresAt, why });
    return { ok: true };
  }

  #sweep(now: number): void {
    for (const [nonce, { expiresAt }] of this.#expiry) if (expiresAt <= now) this.#expiry.delete(nonce);
    this.#nextSweep = now + 1000;
  }
}
