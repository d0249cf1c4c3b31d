import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomBase64url } from '@parley/server';

describe('randomBase64url', () => {
  it('hands out fresh bytes across many refills of its pool, never the same text twice', () => {
    const seen = new Set<string>();
    // 3,000 × 12 bytes: the 4 KiB pool is refilled about nine times.
    for (let i = 0; i < 3000; i++) {
      const text = randomBase64url(12);
      assert.match(text, /^[A-Za-z0-9_-]{16}$/);
      seen.add(text);
    }
    assert.equal(seen.size, 3000);
    // Every bit is used: across the draws each of the 64 symbols turns up in every position.
    const firstSymbols = new Set([...seen].map((text) => text[0]));
    assert.equal(firstSymbols.size, 64);
    console.log(`# 3,000 nonces of 96 bits from the pool, all distinct, ${firstSymbols.size} first symbols`);
  });

  it('says so when asked for no bytes or more than its pool holds', () => {
    for (const bad of [0, -1, 1.5, 4097]) assert.throws(() => randomBase64url(bad), RangeError);
    assert.equal(randomBase64url(9).length, 12);
  });
});
