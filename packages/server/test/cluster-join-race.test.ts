import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { PROTOCOL_VERSION, type ServerMessage } from '@parley/protocol';
import { ParleyProcess, RedisProcess, freePort } from '@parley/testbed';
import { sleep } from './support/cluster.js';
import { RedisReplyGate } from './support/RedisReplyGate.js';
import { TestClient } from './support/TestClient.js';

/**
 * A push from another node that reaches a node before the answer to its
 * member's join does (docs/bench/signaling-findings.md, "Lost room mates").
 *
 * Ann joins on node A, whose Redis connections pass through a gate; Redis
 * runs her join, but its answer is held back on A's directory connection,
 * the way a busy node's replies queue behind others. Meanwhile Bob joins on
 * node B: Redis lists Ann, so B tells A `peer-joined` Bob and relays Bob's
 * offer, both through A's inbox, whose connection is not held. Only then does
 * A read Ann's answer. Before the fix A dropped both (Ann was not its member
 * yet) and Ann never learnt of Bob: the benchmark's "failed" clients, and the
 * "wrong sender" of the offers that still reached her later.
 *
 * Two real server processes on one real redis-server. Heavy: run under
 * flock /tmp/parley-heavy.lock.
 */

/** Node A's directory gives up on a command after 2 s (commandTimeout): the hold stays well under it. */
const SETTLE_MS = 300;
const REPLY_TIMEOUT_MS = 10_000;

const offer = (tag: string) => ({ description: { type: 'offer', sdp: `v=0 ${tag}` } });

describe('a push that overtakes its member’s join answer', () => {
  let redis: RedisProcess;
  let gate: RedisReplyGate;
  let nodeA: ParleyProcess;
  let nodeB: ParleyProcess;
  let metricsA = '';
  const clients: TestClient[] = [];
  const connect = async (node: ParleyProcess) => {
    const client = await TestClient.connect(`${node.url.replace('http', 'ws')}/ws`);
    clients.push(client);
    return client;
  };

  before(async () => {
    redis = await RedisProcess.start();
    gate = await RedisReplyGate.start(Number(new URL(redis.url).port));
    const env = { SESSION_SECRET: randomBytes(24).toString('hex'), LOG_LEVEL: 'warn' };
    const metricsPort = await freePort('127.0.0.1');
    metricsA = `http://127.0.0.1:${metricsPort}/metrics`;
    nodeA = await ParleyProcess.start({ ...env, REDIS_URL: gate.url, METRICS_PORT: String(metricsPort) });
    nodeB = await ParleyProcess.start({ ...env, REDIS_URL: redis.url });
    // A first join on each node loads the join script into Redis, so the held one below is one EVALSHA, not a NOSCRIPT round trip.
    for (const node of [nodeA, nodeB]) {
      const warm = await connect(node);
      await warm.join(`warm-up-${node.port}`, 'Warm');
      await warm.request({ type: 'leave' });
    }
  });
  after(async () => {
    gate?.release();
    for (const client of clients) await client.close().catch(() => undefined);
    await nodeA?.kill('SIGKILL');
    await nodeB?.kill('SIGKILL');
    await gate?.close();
    await redis?.stop();
  });

  it('the member gets its joined, then the peer-joined and the offer that came first, in order', async () => {
    const room = 'race-1';
    const ann = await connect(nodeA);
    const bob = await connect(nodeB);

    // Node A first reads the room's rules (it holds nobody there), then sends the join script: its answer is held.
    const joinSent = gate.holdAfter('parley-directory-', 'evalsha');
    const annJoined = ann.request({ type: 'join', protocolVersion: PROTOCOL_VERSION, room, name: 'Ann' }, REPLY_TIMEOUT_MS);
    await joinSent;
    // Redis answered (so ran Ann's join); node A has not read the answer.
    for (let i = 0; i < 100 && gate.heldBytes === 0; i++) await sleep(10);
    assert.ok(gate.heldBytes > 0, 'Redis answered Ann’s join, and the gate holds the answer');
    const heldAt = performance.now();

    const bobInbox = gate.seen('parley-bus-reader-', 'from-redis', 'peer-joined');
    const joined = await bob.join(room, 'Bob');
    assert.deepEqual(joined.peers.map((peer) => peer.name), ['Ann'], 'Redis lists Ann, whose join node A has not finished');
    const annId = joined.peers[0]?.id as string;
    await bobInbox;
    const offerInbox = gate.seen('parley-bus-reader-', 'from-redis', 'bob-1');
    assert.equal((await bob.request({ type: 'signal', to: annId, signal: offer('bob-1') })).type, 'ok', 'node B took Bob’s offer');
    await offerInbox;
    // Node A's inbox reader has the peer-joined and the offer; let A handle them before its join answer.
    await sleep(SETTLE_MS);
    gate.release();
    const heldMs = performance.now() - heldAt;

    const reply = await annJoined;
    assert.equal(reply.type, 'joined', `Ann’s join was answered: ${JSON.stringify(reply)}`);
    const peerJoined = await ann.next('peer-joined', 3000);
    assert.equal(peerJoined.peer.name, 'Bob', 'Ann learns of Bob, though his peer-joined reached node A before her join’s answer');
    const signal = await ann.next('signal', 3000);
    assert.equal(signal.from, joined.selfId, 'and gets his offer, stamped with the id she was told');
    const order = ann.received.map((message: ServerMessage) => message.type).filter((type) => type !== 'ok');
    assert.deepEqual(order.slice(0, 3), ['joined', 'peer-joined', 'signal'], 'after her joined, in the order they were sent');
    assert.deepEqual(ann.outOfOrder, [], 'pushes numbered in order');

    // And the other way: Ann's answer reaches Bob.
    const bobGets = bob.next('signal', 3000);
    assert.equal((await ann.request({ type: 'signal', to: joined.selfId, signal: offer('ann-1') })).type, 'ok');
    assert.equal((await bobGets).from, reply.type === 'joined' ? reply.selfId : '');

    const metrics = await (await fetch(metricsA)).text();
    const held = Number(/parley_cluster_deliveries_missed_total\{outcome="held-for-join"\} (\d+)/.exec(metrics)?.[1] ?? NaN);
    const dropped = Number(/parley_cluster_deliveries_missed_total\{outcome="dropped"\} (\d+)/.exec(metrics)?.[1] ?? NaN);
    console.log(`  join answer held back ${heldMs.toFixed(0)} ms; node A held ${held} message(s) for Ann until her joined, dropped ${dropped}`);
    assert.equal(held, 2, 'node A met the race: the peer-joined and the offer waited for Ann’s join');
    assert.equal(dropped, 0);
  });
});
