import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { PROTOCOL_VERSION, type ServerMessage } from '@parley/protocol';
import { sleep } from './support/cluster.js';
import { ClusterUnderTest } from './support/ClusterUnderTest.js';
import type { TestClient } from './support/TestClient.js';

/**
 * Access rules of one room kept by three real server processes on one real
 * redis-server: the lobby, the hosts' actions, removals, and bad input,
 * whichever node holds the host, the waiter or the member. Heavy: run under
 * flock /tmp/parley-heavy.lock.
 */

/** Shorter than the default 5 s, set through the environment as a deployer would. */
const PRESENCE_TTL_MS = 2500;

const codeOf = (reply: ServerMessage) => (reply.type === 'error' ? reply.code : reply.type);
const resume = (client: TestClient, resumeToken: string) => client.request({ type: 'resume', protocolVersion: PROTOCOL_VERSION, resumeToken });

describe('access across three nodes sharing rooms through Redis', () => {
  let nodes: ClusterUnderTest;

  before(async () => {
    nodes = await ClusterUnderTest.start('access', { nodes: 3, env: { RESUME_WINDOW_MS: '15000', PRESENCE_TTL_MS: String(PRESENCE_TTL_MS) } });
  });
  after(async () => {
    await nodes?.stop();
  });

  /** A host on node `at` in a new room whose lobby is on from the start. */
  async function hostedRoom(at: number, name = 'Ann') {
    const room = nodes.newRoom();
    const host = await nodes.connect(at);
    const joined = await host.join(room, name, { lobby: true });
    assert.equal(joined.role, 'host');
    assert.equal(joined.lobby, true);
    return { room, host, joined };
  }

  /** Knocks at node `at`; resolves once the host (on whatever node) was told, with how long that took. */
  async function knock(at: number, room: string, name: string, host: TestClient) {
    const client = await nodes.connect(at);
    const started = performance.now();
    const reply = await client.tryJoin({ room, name });
    assert.equal(reply.type, 'lobby-waiting', `${name} waits at node ${at}`);
    const seen = await host.waitFor((m) => m.type === 'knock' && m.peer.name === name, 3000);
    const knockMs = performance.now() - started;
    return { client, id: seen.type === 'knock' ? seen.peer.id : '', joinId: reply.type === 'lobby-waiting' ? reply.id : -1, knockMs };
  }

  it('a host on node 0 admits a waiter held by node 1 and denies one held by node 2', async () => {
    const { room, host, joined } = await hostedRoom(0);
    const bob = await knock(1, room, 'Bob', host);
    const dan = await knock(2, room, 'Dan', host);

    let started = performance.now();
    assert.equal(codeOf(await host.request({ type: 'admit', peerId: bob.id })), 'ok');
    const admitted = await bob.client.next('joined', 3000);
    const admitMs = performance.now() - started;
    assert.equal(admitted.id, bob.joinId, 'the answer to the held join');
    assert.equal(admitted.selfId, bob.id);
    assert.equal(admitted.role, 'guest');
    assert.equal(admitted.lobby, true, 'node 1 knows the room has its lobby on');
    assert.deepEqual(admitted.peers.map((p) => p.name), ['Ann']);
    assert.deepEqual(await host.next('knock-ended', 3000), { type: 'knock-ended', peerId: bob.id, outcome: 'admitted' });
    assert.equal((await host.next('peer-joined', 3000)).peer.id, bob.id, 'the host hears of the knock first, then of the newcomer');

    started = performance.now();
    assert.equal(codeOf(await host.request({ type: 'deny', peerId: dan.id })), 'ok');
    const refused = await dan.client.next('error', 3000);
    const denyMs = performance.now() - started;
    assert.equal(refused.id, dan.joinId);
    assert.equal(refused.code, 'lobby-denied');
    assert.equal((await host.next('knock-ended', 3000)).outcome, 'denied');
    assert.equal(codeOf(await host.request({ type: 'admit', peerId: dan.id })), 'not-waiting', 'a denied knock cannot be admitted later');
    // Denied, Dan's connection may knock again, and waits again.
    assert.equal((await dan.client.tryJoin({ room, name: 'Dan' })).type, 'lobby-waiting');
    assert.equal((await host.next('knock', 3000)).peer.id, dan.id);
    await bob.client.settle();
    assert.equal(bob.client.ofType('knock').length, 0, 'guests never see knocks');
    assert.equal(joined.waiting?.length, 0);
    console.log(
      `# host on node 0, waiters on nodes 1 and 2: knock seen by the host in ${bob.knockMs.toFixed(1)} / ${dan.knockMs.toFixed(1)} ms; ` +
        `admit -> joined on node 1 in ${admitMs.toFixed(1)} ms; deny -> lobby-denied on node 2 in ${denyMs.toFixed(1)} ms`,
    );
  });

  it('a host removes a member held by another node: it is out everywhere and its resume token opens nothing on a third node', async () => {
    const room = nodes.newRoom();
    const ann = await nodes.joinAt(0, room, 'Ann');
    const bob = await nodes.joinAt(1, room, 'Bob');
    const cat = await nodes.joinAt(2, room, 'Cat', { autoResume: false });
    const closed = once(cat.client.socket, 'close');
    const started = performance.now();
    assert.equal(codeOf(await ann.client.request({ type: 'remove', peerId: cat.id })), 'ok');
    assert.match((await cat.client.next('removed', 3000)).message, /Ann removed you/);
    const [code] = (await closed) as [number];
    const removedMs = performance.now() - started;
    assert.equal(code, 4001);
    for (const person of [ann, bob]) {
      assert.deepEqual(await person.client.next('peer-left', 3000), { type: 'peer-left', peerId: cat.id, reason: 'removed' }, `${person.joined.name} is told`);
    }
    for (const at of [1, 2, 0]) {
      const back = await resume(await nodes.connect(at), cat.joined.resumeToken);
      assert.equal(codeOf(back), 'removed', `node ${at} refuses Cat's resume`);
    }
    for (const at of [0, 1, 2]) assert.deepEqual(await nodes.membersSeenBy(at, room), ['Ann', 'Bob'], `node ${at}'s member list`);
    console.log(`# remove across nodes (host on node 0, member on node 2): removed and its socket closed ${removedMs.toFixed(1)} ms after the request; its resume refused on all 3 nodes`);
  });

  it('a lobby switched on at node 0 holds joiners at nodes 1 and 2; the host, moved to node 1, sees them waiting and lets them in by switching it off', async () => {
    const room = nodes.newRoom();
    const annOld = await nodes.connect(0);
    const ann = await annOld.join(room, 'Ann');
    const bob = await nodes.connect(1);
    await bob.join(room, 'Bob');
    assert.equal(codeOf(await annOld.request({ type: 'set-lobby', enabled: true })), 'ok');
    assert.equal((await bob.next('lobby-changed', 3000)).enabled, true, 'a member on node 1 hears the switch');
    const eve = await knock(2, room, 'Eve', annOld);
    const fay = await knock(1, room, 'Fay', annOld);

    // The host's connection moves to node 1 (say its socket to node 0 was half dead): she resumes there.
    const host = await nodes.connect(1);
    const moved = await resume(host, ann.resumeToken);
    assert.equal(moved.type, 'joined');
    assert.ok(moved.type === 'joined');
    assert.equal(moved.role, 'host', 'still the host on another node');
    assert.equal(moved.lobby, true);
    assert.deepEqual(moved.waiting?.map((w) => w.name), ['Eve', 'Fay'], 'the lobby, oldest first, as Redis has it');

    const started = performance.now();
    assert.equal(codeOf(await host.request({ type: 'set-lobby', enabled: false })), 'ok');
    const eveIn = await eve.client.next('joined', 3000);
    const fayIn = await fay.client.next('joined', 3000);
    const openMs = performance.now() - started;
    assert.equal(eveIn.lobby, false);
    assert.equal(fayIn.lobby, false);
    assert.equal((await bob.next('lobby-changed', 3000)).enabled, false);
    const outcomes = [await host.next('knock-ended', 3000), await host.next('knock-ended', 3000)];
    assert.deepEqual(outcomes.map((m) => `${m.peerId}:${m.outcome}`).sort(), [`${eve.id}:admitted`, `${fay.id}:admitted`].sort());
    // Open again: a newcomer on node 2 walks straight in, and every node lists the same five.
    const gus = await nodes.connect(2);
    assert.equal((await gus.tryJoin({ room, name: 'Gus' })).type, 'joined');
    for (const at of [0, 1, 2]) assert.deepEqual(await nodes.membersSeenBy(at, room), ['Ann', 'Bob', 'Eve', 'Fay', 'Gus'], `node ${at}'s member list`);
    console.log(`# lobby switched on at node 0 held joiners at nodes 1 and 2; switched off by the host resumed on node 1: both in within ${openMs.toFixed(1)} ms`);
  });

  it('bad input changes nothing on any node: a forged admit for a waiter of another room, host actions from a guest, a removal across rooms', async () => {
    const x = await hostedRoom(0, 'Ann');
    const bob = await knock(1, x.room, 'Bob', x.host);
    const cal = await knock(2, x.room, 'Cal', x.host);
    assert.equal(codeOf(await x.host.request({ type: 'admit', peerId: cal.id })), 'ok');
    await cal.client.next('joined', 3000);
    const y = await hostedRoom(2, 'Zed');
    const yan = await knock(1, y.room, 'Yan', y.host);

    const attempts: [string, TestClient, Record<string, unknown>, string][] = [
      ['host of room Y admits a waiter of room X', y.host, { type: 'admit', peerId: bob.id }, 'not-waiting'],
      ['host of room Y denies a waiter of room X', y.host, { type: 'deny', peerId: bob.id }, 'not-waiting'],
      ['host of room X admits a waiter of room Y', x.host, { type: 'admit', peerId: yan.id }, 'not-waiting'],
      ['host of room Y removes the host of room X', y.host, { type: 'remove', peerId: x.joined.selfId }, 'not-in-room'],
      ['a guest admits', cal.client, { type: 'admit', peerId: bob.id }, 'not-host'],
      ['a guest denies', cal.client, { type: 'deny', peerId: bob.id }, 'not-host'],
      ['a guest switches the lobby off', cal.client, { type: 'set-lobby', enabled: false }, 'not-host'],
      ['a guest removes the host', cal.client, { type: 'remove', peerId: x.joined.selfId }, 'not-host'],
      ['a waiter admits itself', bob.client, { type: 'admit', peerId: bob.id }, 'not-joined'],
      ['an admit for nobody', x.host, { type: 'admit', peerId: 'p-nobody-0000' }, 'not-waiting'],
    ];
    for (const [what, client, message, expected] of attempts) assert.equal(codeOf(await client.request(message, 3000)), expected, what);
    await sleep(300);
    // Nothing moved: the waiters still wait (each is let in by its own host now), nobody was told anything.
    for (const client of [bob.client, yan.client]) assert.deepEqual(client.received.map((m) => m.type).filter((t) => t !== 'error' && t !== 'ok'), ['lobby-waiting'], 'still only waiting');
    assert.equal(x.host.ofType('knock-ended').length, 1, 'only the real admit of Cal');
    assert.equal(y.host.ofType('knock-ended').length, 0);
    assert.equal(x.host.ofType('peer-left').length + cal.client.ofType('peer-left').length, 0, 'nobody left room X');
    assert.equal(x.host.ofType('lobby-changed').length, 0, 'the lobby stayed on');
    assert.equal(codeOf(await x.host.request({ type: 'admit', peerId: bob.id })), 'ok');
    assert.deepEqual((await bob.client.next('joined', 3000)).peers.map((p) => p.name).sort(), ['Ann', 'Cal']);
    assert.equal(codeOf(await y.host.request({ type: 'admit', peerId: yan.id })), 'ok');
    assert.deepEqual((await yan.client.next('joined', 3000)).peers.map((p) => p.name), ['Zed']);
    console.log(`# ${attempts.length} bad host actions across rooms and nodes: each refused with its code, no waiter moved, nobody told`);
  });

  it('wrong passwords are counted over all nodes: 5 a minute per address and per room, then rate-limited on every node', async () => {
    const room = nodes.newRoom();
    await (await nodes.connect(0, { localAddress: '127.0.0.20' })).join(room, 'Ann', { password: 'correct horse' });
    const guess = async (at: number, address: string, password: string) => {
      const client = await nodes.connect(at, { localAddress: address });
      const reply = await client.tryJoin({ room, name: 'Guesser', password });
      await client.close();
      return reply;
    };
    // One address, its guesses spread over the three nodes.
    const spread = [];
    for (let n = 0; n < 5; n++) spread.push(codeOf(await guess(n % 3, '127.0.0.21', `wrong ${n}`)));
    assert.deepEqual(spread, Array(5).fill('wrong-password'), 'five wrong guesses over nodes 0, 1, 2, 0, 1');
    for (const at of [2, 0, 1]) {
      const refused = await guess(at, '127.0.0.21', 'correct horse');
      assert.equal(codeOf(refused), 'rate-limited', `node ${at} refuses the sixth try from that address, right or wrong`);
      assert.match(refused.type === 'error' ? refused.message : '', /from your address/);
    }
    // The room's own count: those five wrong guesses count for it too, so a fresh address is refused as well, on every node.
    for (const at of [0, 1, 2]) {
      const refused = await guess(at, `127.0.0.${30 + at}`, 'wrong again');
      assert.equal(codeOf(refused), 'rate-limited', `node ${at}, a new address`);
      assert.match(refused.type === 'error' ? refused.message : '', /for this room/);
    }
    console.log(`# wrong passwords over 3 nodes: ${spread.length} answered wrong-password, then rate-limited on each of the 3 nodes (per address), and for new addresses (per room); a node alone would have allowed 5 more each`);
  });

  it('Redis frozen: host actions across nodes are refused with unavailable and change nothing; once it is back they work', async () => {
    const { room, host } = await hostedRoom(0);
    const bob = await knock(1, room, 'Bob', host);
    // A member on node 2 to try to remove: Cat, let in from the lobby.
    const cat = await knock(2, room, 'Cat', host);
    assert.equal(codeOf(await host.request({ type: 'admit', peerId: cat.id })), 'ok');
    await cat.client.next('joined', 3000);
    await host.next('peer-joined', 3000);

    nodes.cluster.redis.freeze();
    const refusals: string[] = [];
    try {
      for (const message of [
        { type: 'admit', peerId: bob.id },
        { type: 'deny', peerId: bob.id },
        { type: 'set-lobby', enabled: false },
        { type: 'remove', peerId: cat.id },
      ]) {
        const started = performance.now();
        const reply = await host.request(message, 6000);
        refusals.push(`${message.type} ${codeOf(reply)} in ${(performance.now() - started).toFixed(0)} ms`);
        assert.equal(codeOf(reply), 'unavailable', message.type);
      }
    } finally {
      nodes.cluster.redis.thaw();
    }
    await sleep(300);
    assert.deepEqual(bob.client.received.map((m) => m.type).filter((t) => t !== 'ok' && t !== 'error'), ['lobby-waiting'], 'Bob still waits');
    assert.equal(cat.client.ofType('removed').length, 0, 'Cat is still in');
    assert.equal(host.ofType('lobby-changed').length + cat.client.ofType('lobby-changed').length, 0, 'the lobby stayed on');
    assert.equal(codeOf(await host.request({ type: 'admit', peerId: bob.id })), 'ok', 'after the thaw the same admit works');
    assert.deepEqual((await bob.client.next('joined', 3000)).peers.map((p) => p.name).sort(), ['Ann', 'Cat']);
    console.log(`# Redis frozen: ${refusals.join('; ')}; after the thaw the admit went through`);
  });

  it(`a node killed: its members are taken out of their rooms, and its waiters out of the lobbies, within the configured presence TTL (${PRESENCE_TTL_MS} ms)`, async () => {
    const room = nodes.newRoom();
    const ann = await nodes.joinAt(0, room, 'Ann');
    const gus = await nodes.joinAt(2, room, 'Gus', { autoResume: false });
    await ann.client.next('peer-joined', 3000);
    // And a lobby: Hal hosts it on node 0, Wes waits in it through node 2.
    const lobby = await hostedRoom(0, 'Hal');
    const wes = await knock(2, lobby.room, 'Wes', lobby.host);
    const killedAt = Date.now();
    await nodes.cluster.stopNode(2, 'SIGKILL');
    const left = await ann.client.next('peer-left', PRESENCE_TTL_MS + 3000);
    const goneMs = Date.now() - killedAt;
    assert.equal(left.peerId, gus.id);
    assert.ok(goneMs >= PRESENCE_TTL_MS - 1000, `not reaped before its presence could have run out (${goneMs} ms)`);
    const ended = await lobby.host.next('knock-ended', 3000);
    const waiterGoneMs = Date.now() - killedAt;
    assert.deepEqual([ended.peerId, ended.outcome], [wes.id, 'left'], 'the host is told the waiter held by the dead node is gone');
    // Out of the lobby in Redis too: admitting him finds nobody waiting.
    assert.equal(codeOf(await lobby.host.request({ type: 'admit', peerId: wes.id })), 'not-waiting');
    await nodes.cluster.startNode(2);
    console.log(`# PRESENCE_TTL_MS=${PRESENCE_TTL_MS}: a killed node's member reported gone ${goneMs} ms after the kill, its lobby waiter ${waiterGoneMs} ms after`);
  });
});
