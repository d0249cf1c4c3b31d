import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisRoomDirectory, type DirectoryJoinResult } from '@parley/server';
import { RedisProcess } from '@parley/testbed';
import { freshKeys } from './support/cluster.js';

const media = { micMuted: false, cameraOff: false };
const person = (id: string) => ({ id, name: id.toUpperCase(), media });

describe('RedisRoomDirectory: room membership shared by all nodes', () => {
  let redis: RedisProcess;
  const opened: RedisRoomDirectory[] = [];
  async function directory(nodeId: string, keys: ReturnType<typeof freshKeys>): Promise<RedisRoomDirectory> {
    const d = new RedisRoomDirectory(redis.url, nodeId, keys);
    await d.start();
    opened.push(d);
    return d;
  }
  before(async () => {
    redis = await RedisProcess.start();
  });
  after(async () => {
    for (const d of opened) d.close();
    await redis.stop();
  });

  it('joins, lists each member with its node, updates, and leaves; the joiner gets the room as of its join', async () => {
    const keys = freshKeys();
    const one = await directory('node-1', keys);
    const two = await directory('node-2', keys);
    const a = await one.join('r', person('a'), 8);
    assert.deepEqual(a, { ok: true, members: [{ ...person('a'), node: 'node-1' }], policy: '{}', host: true, waiting: [] }, 'the first member made the room, with no password, and hosts it');
    const b = await two.join('r', person('b'), 8);
    assert.ok(b.ok);
    assert.deepEqual(b.members.map((m) => `${m.id}@${m.node}`).sort(), ['a@node-1', 'b@node-2']);

    assert.deepEqual(await two.update('r', { ...person('b'), media: { micMuted: true, cameraOff: false } }), { ok: true, value: true });
    assert.deepEqual(await one.update('r', { ...person('b'), media }), { ok: true, value: false }, 'only the holding node updates');
    const listed = await one.members('r');
    assert.ok(listed.ok);
    assert.deepEqual(listed.value.find((m) => m.id === 'b')?.media, { micMuted: true, cameraOff: false });

    assert.deepEqual(await one.leave('r', 'b'), { ok: true, value: false }, 'node-1 does not hold b');
    assert.deepEqual(await two.leave('r', 'b'), { ok: true, value: true });
    assert.deepEqual(await two.leave('r', 'b'), { ok: true, value: false }, 'twice is a no-op');
    assert.deepEqual(await one.leave('r', 'a'), { ok: true, value: true });
    assert.deepEqual(await one.members('r'), { ok: true, value: [] });
  });

  it('admits exactly 8 of 30 concurrent joins from 3 nodes to a room of 8, in each of 10 rooms', async () => {
    const keys = freshKeys();
    const nodes = await Promise.all(['n1', 'n2', 'n3'].map((id) => directory(id, keys)));
    const ROOMS = 10;
    const JOINERS = 30;
    const started = Date.now();
    const joins: Promise<DirectoryJoinResult>[] = [];
    for (let r = 0; r < ROOMS; r++) {
      for (let i = 0; i < JOINERS; i++) joins.push((nodes[i % 3] as RedisRoomDirectory).join(`room-${r}`, person(`p${r}-${i}`), 8));
    }
    const results = await Promise.all(joins);
    const elapsed = Date.now() - started;
    for (let r = 0; r < ROOMS; r++) {
      const mine = results.slice(r * JOINERS, (r + 1) * JOINERS);
      const admitted = mine.filter((result) => result.ok);
      const refused = mine.filter((result) => !result.ok);
      assert.equal(admitted.length, 8, `room-${r}: exactly 8 admitted`);
      assert.ok(refused.every((result) => !result.ok && result.code === 'room-full'));
      const listed = await (nodes[r % 3] as RedisRoomDirectory).members(`room-${r}`);
      assert.ok(listed.ok);
      assert.equal(listed.value.length, 8, 'and the room lists those 8');
      const admittedIds = new Set(mine.map((result, i) => (result.ok ? `p${r}-${i}` : '')).filter(Boolean));
      assert.deepEqual(new Set(listed.value.map((m) => m.id)), admittedIds);
      // Each admitted joiner saw a consistent room: itself among at most 8.
      for (const result of admitted) assert.ok(result.ok && result.members.length <= 8);
    }
    console.log(`${ROOMS * JOINERS} concurrent joins from 3 nodes to ${ROOMS} rooms of 8: ${ROOMS * 8} admitted, ${ROOMS * (JOINERS - 8)} refused room-full, in ${elapsed} ms`);
  });

  it('a participant resuming on another node moves there without taking a second place; its old node can no longer remove it', async () => {
    const keys = freshKeys();
    const one = await directory('node-1', keys);
    const two = await directory('node-2', keys);
    assert.ok((await one.join('r', person('a'), 2)).ok);
    assert.ok((await one.join('r', person('b'), 2)).ok);
    const full = await two.join('r', person('c'), 2);
    assert.equal(!full.ok && full.code, 'room-full');
    const moved = await two.join('r', person('b'), 2);
    assert.ok(moved.ok, 'a full room still takes back its own member');
    assert.equal(moved.movedFrom, 'node-1');
    assert.deepEqual(moved.members.map((m) => `${m.id}@${m.node}`).sort(), ['a@node-1', 'b@node-2']);
    assert.deepEqual(await one.leave('r', 'b'), { ok: true, value: false });
    const evicted = await one.evict('node-1');
    assert.deepEqual(evicted, { ok: true, value: { node: 'node-1', removed: [{ room: 'r', id: 'a' }], waitersGone: [] } });
    assert.deepEqual(await two.members('r'), { ok: true, value: [{ ...person('b'), node: 'node-2' }] });
  });

  it('while Redis is away a join is refused at once as unavailable; once back, joins work again', async () => {
    const keys = freshKeys();
    const one = await directory('node-1', keys);
    await redis.crash();
    try {
      const started = Date.now();
      const refused = await one.join('r', person('a'), 8);
      assert.equal(!refused.ok && refused.code, 'unavailable');
      console.log(`join with Redis down: refused as unavailable in ${Date.now() - started} ms`);
    } finally {
      await redis.restart();
    }
    const deadline = Date.now() + 5000;
    let joined = await one.join('r', person('a'), 8);
    // Bounded: the connection is back within its retry delay (at most 500 ms).
    while (!joined.ok && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      joined = await one.join('r', person('a'), 8);
    }
    assert.ok(joined.ok, 'joins work again');
  });

  it('a join that times out against a frozen Redis is refused, and does not take a place when Redis wakes up', async () => {
    const keys = freshKeys();
    const one = await directory('node-1', keys);
    const two = await directory('node-2', keys);
    assert.ok((await two.join('r', person('b'), 8)).ok);
    redis.freeze();
    let refused: DirectoryJoinResult;
    const started = Date.now();
    try {
      refused = await one.join('r', person('a'), 8);
    } finally {
      redis.thaw();
    }
    assert.equal(!refused.ok && refused.code, 'unavailable');
    console.log(`join against a frozen Redis: refused as unavailable after ${Date.now() - started} ms`);
    // Read on node-1's own connection first: it runs after whatever node-1 sent meanwhile.
    assert.ok((await one.members('r')).ok);
    const listed = await two.members('r');
    assert.ok(listed.ok);
    assert.deepEqual(listed.value.map((m) => m.id), ['b'], 'the refused join was given back');
  });
});
