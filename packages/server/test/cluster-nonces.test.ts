import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { InMemoryNonceLedger, RedisNonceLedger, type NonceUse } from '@parley/server';
import { RedisProcess } from '@parley/testbed';
import { freshKeys } from './support/cluster.js';

const nonce = () => randomBytes(12).toString('base64url');

describe('resume-token nonces: single use across nodes and restarts, forgotten after expiry', () => {
  let redis: RedisProcess;
  const opened: RedisNonceLedger[] = [];
  async function ledger(nodeId: string, keys: ReturnType<typeof freshKeys>): Promise<RedisNonceLedger> {
    const l = new RedisNonceLedger(redis.url, nodeId, keys);
    await l.start();
    opened.push(l);
    return l;
  }
  before(async () => {
    redis = await RedisProcess.start();
  });
  after(async () => {
    for (const l of opened) l.close();
    await redis.stop();
  });

  it('of 30 concurrent uses of one nonce from 3 nodes exactly one succeeds; a node started later refuses it too', async () => {
    const keys = freshKeys();
    const ledgers = await Promise.all(['n1', 'n2', 'n3'].map((id) => ledger(id, keys)));
    const spent = nonce();
    const expiresAt = Date.now() + 60_000;
    const uses = await Promise.all(Array.from({ length: 30 }, (_, i) => (ledgers[i % 3] as RedisNonceLedger).use(spent, expiresAt)));
    assert.equal(uses.filter((u) => u.ok).length, 1);
    assert.ok(uses.filter((u) => !u.ok).every((u) => !u.ok && u.code === 'nonce-used'));
    for (const l of ledgers) l.close();
    const restarted = await ledger('n1', keys);
    assert.equal((await restarted.use(spent, expiresAt)).ok, false, 'a restarted node still refuses it');
    assert.equal((await restarted.use(nonce(), expiresAt)).ok, true, 'and takes a fresh one');
  });

  it('Redis forgets a nonce when its token expires', async () => {
    const keys = freshKeys();
    const l = await ledger('n1', keys);
    const spent = nonce();
    assert.ok((await l.use(spent, Date.now() + 1200)).ok);
    const raw = new Redis(redis.url);
    const ttl = await raw.pttl(keys.nonce(spent));
    assert.ok(ttl > 0 && ttl <= 1200, `kept until the token's expiry (pttl ${ttl} ms)`);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    assert.equal(await raw.exists(keys.nonce(spent)), 0);
    raw.disconnect();
  });

  it('with Redis down a use is refused as unavailable, never granted', async () => {
    const keys = freshKeys();
    const l = await ledger('n1', keys);
    await redis.crash();
    let refused: NonceUse;
    try {
      refused = await l.use(nonce(), Date.now() + 60_000);
    } finally {
      await redis.restart();
    }
    assert.equal(!refused.ok && refused.code, 'unavailable');
  });

  it('the in-memory ledger: once per nonce, forgotten after expiry, and swept so it stays small', async () => {
    const memory = new InMemoryNonceLedger();
    const t0 = 1_000_000;
    assert.ok((await memory.use('x', t0 + 5000, 'used', t0)).ok);
    const again = await memory.use('x', t0 + 5000, 'used', t0 + 1);
    assert.equal(!again.ok && again.code, 'nonce-used');
    for (let i = 0; i < 100; i++) await memory.use(`n${i}`, t0 + 2000, 'used', t0 + 10);
    assert.equal(memory.size, 101);
    assert.ok((await memory.use('late', t0 + 10_000, 'used', t0 + 6000)).ok);
    assert.equal(memory.size, 1, 'expired nonces swept');
    assert.ok((await memory.use('x', t0 + 20_000, 'used', t0 + 6001)).ok, 'an expired nonce is forgotten');
  });
});
