import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AttemptLimiter, PasswordHash } from '@parley/server';

describe('PasswordHash', () => {
  it('keeps a salted hash only: the same password hashes differently twice, and only it matches', async () => {
    const started = performance.now();
    const first = await PasswordHash.create('open sesame');
    const hashMs = performance.now() - started;
    const second = await PasswordHash.create('open sesame');
    assert.notEqual(first.encode(), second.encode());
    assert.doesNotMatch(first.encode(), /sesame/);
    assert.equal(await first.matches('open sesame'), true);
    assert.equal(await first.matches('open sesame '), false);
    assert.equal(await first.matches(''), false);
    // Unicode is compared in one normal form: the same letters typed two ways match.
    const accented = await PasswordHash.create('caf\u00e9');
    assert.equal(await accented.matches('cafe\u0301'), true);
    console.log(`# one scrypt hash: ${hashMs.toFixed(0)} ms`);
  });

  it('round-trips through its string form, and refuses a malformed one', async () => {
    const hash = await PasswordHash.create('pw');
    const decoded = PasswordHash.decode(hash.encode());
    assert.ok(decoded);
    assert.equal(await decoded.matches('pw'), true);
    for (const bad of ['', 'scrypt$', 'bcrypt$AAAA$BBBB', `scrypt$${'A'.repeat(3)}$${'B'.repeat(43)}`]) {
      assert.equal(PasswordHash.decode(bad), undefined, bad);
    }
  });
});

describe('AttemptLimiter', () => {
  it('allows the limit within the window, then refuses until attempts age out; a refund gives one back', () => {
    const limiter = new AttemptLimiter(3, 1000);
    const t0 = 1_000_000;
    assert.deepEqual([0, 1, 2, 3].map((i) => limiter.take('k', t0 + i)), [true, true, true, false]);
    assert.equal(limiter.take('other', t0), true, 'keys are apart');
    limiter.refund('k');
    assert.equal(limiter.take('k', t0 + 10), true);
    assert.equal(limiter.take('k', t0 + 999), false);
    assert.equal(limiter.take('k', t0 + 1001), true, 'the first attempt aged out');
  });

  it('forgets the least recently tried keys past its bound', () => {
    const limiter = new AttemptLimiter(1, 60_000, 100);
    for (let i = 0; i < 1000; i++) limiter.take(`addr-${i}`, 5);
    assert.equal(limiter.count('addr-999', 5), 1);
    assert.equal(limiter.count('addr-0', 5), 0);
  });
});
