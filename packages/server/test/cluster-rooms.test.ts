import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ServerMessage } from '@parley/protocol';
import {
  LocalRoomService,
  NodeBus,
  NodePresence,
  RedisLobby,
  RedisRoomDirectory,
  RedisRoomService,
  RoomRegistry,
  startRoomService,
  type Member,
  type RoomService,
} from '@parley/server';
import { RedisProcess, freePort } from '@parley/testbed';
import { freshKeys, until } from './support/cluster.js';

/** A member whose deliveries land in an inbox, decoded. */
function member(id: string): Member & { inbox: ServerMessage[] } {
  const inbox: ServerMessage[] = [];
  return { id, name: id.toUpperCase(), media: { micMuted: false, cameraOff: false }, inbox, deliver: (encoded) => inbox.push(JSON.parse(encoded)), expel: () => undefined };
}

const signal = (n: number): ServerMessage => ({ type: 'signal', from: 'ann', signal: { candidate: { candidate: `candidate:${n}` } } });

describe('RoomService: one seam, rooms in this process or shared by nodes through Redis', () => {
  let redis: RedisProcess;
  const toClose: { close(): unknown }[] = [];
  before(async () => {
    redis = await RedisProcess.start();
  });
  after(async () => {
    for (const thing of toClose.reverse()) await thing.close();
    await redis.stop();
  });

  async function node(nodeId: string, keys: ReturnType<typeof freshKeys>, capacity = 8) {
    const directory = new RedisRoomDirectory(redis.url, nodeId, keys);
    const bus = new NodeBus({ redisUrl: redis.url, nodeId, keys, blockMs: 200 });
    const presence = new NodePresence({ redisUrl: redis.url, nodeId, keys, ttlMs: 900, sweepEveryMs: 200 });
    const lobby = new RedisLobby(redis.url, nodeId, keys);
    await Promise.all([directory.start(), bus.start(), presence.start(), lobby.start()]);
    const rooms = new RedisRoomService({ nodeId, directory, bus, presence, lobby, capacity });
    const errors: Error[] = [];
    rooms.on('error', (error) => errors.push(error));
    toClose.push(directory, bus, presence, lobby, rooms);
    return { rooms, directory, bus, presence, errors };
  }

  /** What every implementation must do, run against each. */
  async function sameRoomBehaviour(first: RoomService, second: RoomService, settle: (check: () => boolean) => Promise<void>) {
    const ann = member('ann');
    const bob = member('bob');
    const firstJoin = await first.join('r', ann);
    assert.ok(firstJoin.ok);
    assert.deepEqual(firstJoin.peers, []);
    const joined = await second.join('r', bob);
    assert.ok(joined.ok);
    assert.deepEqual(joined.peers.map((p) => p.id), ['ann']);
    await second.broadcast('r', { type: 'peer-joined', peer: { id: 'bob', name: 'BOB', media: bob.media } }, 'bob');
    for (let n = 1; n <= 20; n++) assert.equal(await first.sendTo('r', 'bob', signal(n)), true);
    assert.equal(await first.sendTo('r', 'nobody', signal(0)), false);
    await settle(() => ann.inbox.length === 1 && bob.inbox.length === 20);
    assert.equal(ann.inbox[0]?.type, 'peer-joined');
    assert.equal(bob.inbox.length, 20);
    assert.deepEqual(
      bob.inbox.map((m) => (m.type === 'signal' && 'candidate' in m.signal ? m.signal.candidate?.candidate : '')),
      Array.from({ length: 20 }, (_, i) => `candidate:${i + 1}`),
      'signals arrive once, in order',
    );
    assert.equal(await second.leave('r', bob), true);
    assert.equal(await second.leave('r', bob), false);
    await second.broadcast('r', { type: 'peer-left', peerId: 'bob', reason: 'left' });
    await settle(() => ann.inbox.length === 2);
    assert.equal(ann.inbox[1]?.type, 'peer-left');
  }

  it('in memory (no REDIS_URL): today’s registry behind the seam', async () => {
    const local = new LocalRoomService(new RoomRegistry({ maxParticipants: 8 }));
    await sameRoomBehaviour(local, local, async (check) => assert.ok(check()));
  });

  it('through Redis, members on two nodes: joins see each other, signals cross nodes once and in order, leaves are told', async () => {
    const keys = freshKeys();
    const a = await node('a', keys);
    const b = await node('b', keys);
    await sameRoomBehaviour(a.rooms, b.rooms, (check) => until(check, 3000, 'deliveries across nodes'));
    assert.deepEqual([...a.errors, ...b.errors], []);
  });

  it('through Redis: a room of 3 is full across nodes, and a node that dies has its member’s peer-left told on the other nodes', async () => {
    const keys = freshKeys();
    const a = await node('a', keys, 3);
    const b = await node('b', keys, 3);
    const c = await node('c', keys, 3);
    const ann = member('ann');
    const bob = member('bob');
    const cy = member('cy');
    assert.ok((await a.rooms.join('r', ann)).ok);
    assert.ok((await b.rooms.join('r', bob)).ok);
    assert.ok((await c.rooms.join('r', cy)).ok);
    const fourth = await a.rooms.join('r', member('dan'));
    assert.equal(!fourth.ok && fourth.code, 'room-full');

    const diedAt = Date.now();
    for (const part of [b.presence, b.bus, b.directory]) await part.close();
    const told = () => [ann, cy].every((m) => m.inbox.some((msg) => msg.type === 'peer-left' && msg.peerId === 'bob'));
    await until(told, 5000, 'peer-left for bob on a and c');
    console.log(`node b died: peer-left for its member reached the members on nodes a and c ${Date.now() - diedAt} ms later`);
    const left = await a.directory.members('r');
    assert.deepEqual(left.ok && left.value.map((m) => m.id).sort(), ['ann', 'cy']);
  });

  it('through Redis: a participant resuming on another node is released by the node that held it', async () => {
    const keys = freshKeys();
    const a = await node('a', keys);
    const b = await node('b', keys);
    const released: string[] = [];
    a.rooms.on('released', (m) => released.push(m.id));
    const onA = member('bob');
    assert.ok((await a.rooms.join('r', onA)).ok);
    const onB = member('bob');
    assert.ok((await b.rooms.join('r', onB)).ok);
    await until(() => released.length === 1, 3000, 'a lets bob go');
    assert.equal(a.rooms.localCount, 0);
    assert.equal(await a.rooms.leave('r', onA), false, 'the old node cannot remove it any more');
    const listed = await a.directory.members('r');
    assert.deepEqual(listed.ok && listed.value.map((m) => `${m.id}@${m.node}`), ['bob@b']);
  });

  it('chosen by REDIS_URL: none keeps rooms and nonces in memory; a URL shares them; an unreachable one fails the start clearly', async () => {
    const registry = new RoomRegistry({ maxParticipants: 8 });
    const local = await startRoomService({ redisUrl: '', registry, capacity: 8 });
    assert.ok(local.rooms instanceof LocalRoomService);
    assert.equal(local.cluster, undefined);
    await local.close();

    const keys = freshKeys();
    const shared = await startRoomService({ redisUrl: redis.url, registry, capacity: 8, nodeId: 'n1', keys });
    assert.ok(shared.rooms instanceof RedisRoomService);
    assert.ok((await shared.rooms.join('r', member('ann'))).ok);
    assert.equal(registry.roomCount, 0, 'the in-memory registry is not used');
    assert.ok((await shared.nonces.use('nonce-1', Date.now() + 10_000)).ok);
    assert.equal((await shared.nonces.use('nonce-1', Date.now() + 10_000)).ok, false);
    await shared.close();

    const nowhere = `redis://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    await assert.rejects(startRoomService({ redisUrl: nowhere, registry, capacity: 8 }), /cannot reach Redis at REDIS_URL/);
    console.log(`an unreachable REDIS_URL fails the start in ${Date.now() - started} ms`);
  });
});
