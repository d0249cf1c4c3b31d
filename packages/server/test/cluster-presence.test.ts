import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { NodeBus, NodePresence, RedisRoomDirectory, type RoomLoss } from '@parley/server';
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
});
