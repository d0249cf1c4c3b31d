import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { NodeBus, NodePresence, RedisLobby, RedisRoomDirectory, type RoomLoss } from '@parley/server';
import { RedisProcess } from '@parley/testbed';
import { freshKeys, until } from './support/cluster.js';

const media = { micMuted: false, cameraOff: false };
const person = (id: string) => ({ id, name: id.toUpperCase(), media });
const TTL_MS = 900;
const SWEEP_MS = 200;

describe('NodePresence: a dead node’s members are removed within seconds, and their rooms told', () => {
  let redis: RedisProcess;
  const toClose: { close(): unknown }[] = [];
  before(async () => {
    redis = await RedisProcess.start();
  });
  after(async () => {
    for (const thing of toClose) await thing.close();
    await redis.stop();
  });

  async function cluster(nodeId: string, keys: ReturnType<typeof freshKeys>) {
    const presence = new NodePresence({ redisUrl: redis.url, nodeId, keys, ttlMs: TTL_MS, sweepEveryMs: SWEEP_MS });
    const directory = new RedisRoomDirectory(redis.url, nodeId, keys);
    const bus = new NodeBus({ redisUrl: redis.url, nodeId, keys, blockMs: 200 });
    await Promise.all([presence.start(), directory.start(), bus.start()]);
    toClose.push(presence, directory, bus);
    const downs: { node: string; rooms: RoomLoss[]; at: number }[] = [];
    presence.on('node-down', (node, rooms) => downs.push({ node, rooms, at: Date.now() }));
    return { presence, directory, bus, downs };
  }

  it('two sweepers, one reaper: the dead node’s participants leave their rooms and the nodes of those left are told', async () => {
    const keys = freshKeys();
    const a = await cluster('a', keys);
    const c = await cluster('c', keys);
    const b = await cluster('b', keys);
    assert.ok((await a.directory.join('room-1', person('ann'), 8)).ok);
    assert.ok((await b.directory.join('room-1', person('bob'), 8)).ok);
    assert.ok((await b.directory.join('room-2', person('bea'), 8)).ok);
    assert.ok((await c.directory.join('room-2', person('cy'), 8)).ok);

    // What a server would do with `node-down`: tell each remaining member's node who left.
    const told: string[] = [];
    c.bus.on('message', (body) => told.push(body));
    a.bus.on('message', (body) => told.push(body));
    for (const survivor of [a, c]) {
      survivor.presence.on('node-down', (_node, rooms) => {
        for (const loss of rooms) {
          for (const member of loss.remaining) {
            for (const id of loss.removed) void survivor.bus.send(member.node, `${loss.room}: ${id} left, tell ${member.id}`);
          }
        }
      });
    }

    // b dies without a word: its heartbeat just stops.
    const diedAt = Date.now();
    b.presence.close();
    b.bus.close();
    b.directory.close();

    await until(() => a.downs.length + c.downs.length > 0, TTL_MS + 5 * SWEEP_MS + 1000, 'a node-down');
    const detectedMs = Math.max(...[...a.downs, ...c.downs].map((d) => d.at)) - diedAt;
    await new Promise((resolve) => setTimeout(resolve, 3 * SWEEP_MS));
    const downs = [...a.downs, ...c.downs];
    assert.equal(downs.length, 1, 'exactly one node reaped b');
    const [down] = downs;
    assert.equal(down?.node, 'b');
    const byRoom = new Map(down?.rooms.map((loss) => [loss.room, loss]));
    assert.deepEqual(byRoom.get('room-1')?.removed, ['bob']);
    assert.deepEqual(byRoom.get('room-1')?.remaining.map((m) => `${m.id}@${m.node}`), ['ann@a']);
    assert.deepEqual(byRoom.get('room-2')?.removed, ['bea']);
    assert.deepEqual(byRoom.get('room-2')?.remaining.map((m) => `${m.id}@${m.node}`), ['cy@c']);

    const one = await a.directory.members('room-1');
    const two = await a.directory.members('room-2');
    assert.deepEqual(one.ok && one.value.map((m) => m.id), ['ann']);
    assert.deepEqual(two.ok && two.value.map((m) => m.id), ['cy']);
    await until(() => told.length === 2, 2000, 'the survivors’ nodes told');
    assert.deepEqual(told.sort(), ['room-1: bob left, tell ann', 'room-2: bea left, tell cy']);
    console.log(`TTL ${TTL_MS} ms, sweep every ${SWEEP_MS} ms: dead node reaped ${detectedMs} ms after it stopped; its 2 participants removed, 2 rooms told`);
  });

  it('a dead node’s lobby waiters leave the lobby with it, and the room’s hosts are told; others’ waiters stay', async () => {
    const keys = freshKeys();
    const a = await cluster('a', keys);
    const b = await cluster('b', keys);
    const lobbyA = new RedisLobby(redis.url, 'a', keys);
    const lobbyB = new RedisLobby(redis.url, 'b', keys);
    await Promise.all([lobbyA.start(), lobbyB.start()]);
    toClose.push(lobbyA, lobbyB);
    const knock = { host: 'creator', lobby: 'knock', lobbyMax: 10 } as const;
    // Ann hosts room-l on a, with its lobby on; Wes and Wil knock through b, Ada through a; Wil then gives up.
    const made = await a.directory.join('room-l', person('ann'), 8, JSON.stringify({ lobby: true }), { host: 'creator', lobby: 'skip', lobbyMax: 10 });
    assert.ok(made.ok && made.host, 'Ann made the room and hosts it');
    for (const [node, id] of [[b, 'wes'], [b, 'wil'], [a, 'ada']] as const) {
      const waited = await node.directory.join('room-l', person(id), 8, undefined, knock);
      assert.equal(!waited.ok && waited.code, 'waiting', `${id} waits in the lobby`);
    }
    const gaveUp = await lobbyB.giveUp('room-l', 'wil');
    assert.ok(gaveUp.ok && gaveUp.value, 'Wil gave up');
    const listed = async () => {
      const list = await lobbyA.list('room-l');
      assert.ok(list.ok);
      return list.value.map((w) => `${w.id}@${w.node}`).sort();
    };
    assert.deepEqual(await listed(), ['ada@a', 'wes@b']);

    // b dies without a word: nobody will ever answer Wes, and Ann must not see him knock forever.
    const diedAt = Date.now();
    b.presence.close();
    b.bus.close();
    b.directory.close();
    await until(() => a.downs.length > 0, TTL_MS + 5 * SWEEP_MS + 1000, 'b reaped');
    const reapedMs = (a.downs[0]?.at ?? 0) - diedAt;
    const loss = a.downs[0]?.rooms.find((room) => room.room === 'room-l');
    assert.deepEqual(loss?.removed, [], 'b held no member of room-l');
    assert.deepEqual(loss?.waitersGone, ['wes'], 'Wes, whom b held, left the lobby with b; Wil had left already');
    assert.deepEqual(loss?.hosts, ['ann'], 'the hosts to tell');
    assert.deepEqual(loss?.remaining.map((m) => m.id), ['ann']);
    assert.deepEqual(await listed(), ['ada@a'], 'Ada, held by a living node, still waits');
    const raw = new Redis(redis.url);
    try {
      assert.equal(await raw.exists(keys.nodeWaiters('b')), 0, 'b’s waiter index went with it');
      assert.deepEqual(await raw.hkeys(keys.nodeWaiters('a')), ['ada'], 'a’s lists only Ada');
      // Admitted, Ada no longer waits anywhere: nor in a's index, or a's later death would name her.
      const admitted = await lobbyA.answer('room-l', 'ann', 'ada', 'admit', 8);
      assert.ok(admitted.ok && admitted.value.done);
      assert.deepEqual(await raw.hkeys(keys.nodeWaiters('a')), []);
    } finally {
      raw.disconnect();
    }
    console.log(`TTL ${TTL_MS} ms: a dead node's lobby waiter left the lobby ${reapedMs} ms after the node stopped; a living node's waiter stayed`);
  });

  it('a node declared dead while still running learns it was evicted on its next beat', async () => {
    const keys = freshKeys();
    const a = await cluster('a', keys);
    let evicted = 0;
    a.presence.on('evicted', () => evicted++);
    await a.presence.beat();
    assert.equal(evicted, 0, 'a beat of a listed node is just a beat');
    // As if another node had swept it during a long stall.
    const raw = new Redis(redis.url);
    await raw.zrem(keys.nodes(), 'a');
    raw.disconnect();
    await a.presence.beat();
    assert.equal(evicted, 1);
  });

  it('Redis standing still longer than the TTL reaps nobody; a node that really stopped is reaped one TTL later', async () => {
    const keys = freshKeys();
    const a = await cluster('a', keys);
    const b = await cluster('b', keys);
    assert.ok((await a.directory.join('room-s', person('ann'), 8)).ok);
    assert.ok((await b.directory.join('room-s', person('bob'), 8)).ok);
    const evictions: string[] = [];
    for (const node of [a, b]) node.presence.on('evicted', () => evictions.push(node.presence.nodeId));
    // Frozen for three TTLs: every node's presence runs out by Redis's clock, and the first
    // sweep after the thaw (queued in the frozen connections) would otherwise reap them all.
    redis.freeze();
    const frozenAt = Date.now();
    try {
      await new Promise((resolve) => setTimeout(resolve, 3 * TTL_MS));
    } finally {
      redis.thaw();
    }
    await new Promise((resolve) => setTimeout(resolve, TTL_MS + 5 * SWEEP_MS));
    assert.deepEqual([...a.downs, ...b.downs], [], 'nobody reaped after a stall');
    assert.deepEqual(evictions, [], 'nobody told it was evicted');
    const members = await a.directory.members('room-s');
    assert.deepEqual(members.ok && members.value.map((m) => m.id).sort(), ['ann', 'bob']);

    // b stops for real now: it is reaped as usual.
    const stoppedAt = Date.now();
    b.presence.close();
    await until(() => a.downs.length > 0, TTL_MS + 10 * SWEEP_MS, 'b reaped');
    assert.equal(a.downs[0]?.node, 'b');
    console.log(
      `Redis frozen ${stoppedAt - frozenAt - TTL_MS - 5 * SWEEP_MS} ms (TTL ${TTL_MS} ms): nobody reaped; a node that then stopped was reaped ${(a.downs[0]?.at ?? 0) - stoppedAt} ms later`,
    );
  });

  it('a sweep long after the last one (Redis was unreachable for every node) grants every node a fresh TTL instead of reaping', async () => {
    const keys = freshKeys();
    // Sweeps only when the test says; beats rarely, so nobody renews itself in between.
    const make = async (nodeId: string) => {
      const presence = new NodePresence({ redisUrl: redis.url, nodeId, keys, ttlMs: 60_000, beatEveryMs: 59_000, sweepEveryMs: 60_000 });
      await presence.start();
      toClose.push(presence);
      const downs: string[] = [];
      presence.on('node-down', (node) => downs.push(node));
      return { presence, downs };
    };
    const a = await make('a');
    const b = await make('b');
    await a.presence.sweep();
    const raw = new Redis(redis.url);
    try {
      const [seconds] = await raw.time();
      const nowMs = Number(seconds) * 1000;
      // Both presences ran out, and nobody swept for ten minutes: what every node finds when Redis comes back.
      await raw.zadd(keys.nodes(), String(nowMs - 1000), 'a', String(nowMs - 1000), 'b');
      await raw.set(keys.sweepClock(), String(nowMs - 600_000));
      await a.presence.sweep();
      assert.deepEqual([...a.downs, ...b.downs], [], 'a sweep after a stall reaps nobody');
      const scores = (await raw.zrange(keys.nodes(), '0', '-1', 'WITHSCORES')).filter((_, i) => i % 2 === 1).map(Number);
      assert.ok(scores.every((score) => score > nowMs), 'every node has a fresh TTL');
      // The next sweep is an ordinary one: b ran out again (it really stopped), a did not.
      await raw.zadd(keys.nodes(), String(nowMs - 1000), 'b');
      await a.presence.sweep();
      assert.deepEqual(a.downs, ['b']);
    } finally {
      raw.disconnect();
    }
  });
});
