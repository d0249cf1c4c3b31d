import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { PROTOCOL_VERSION } from '@parley/protocol';
import { freePort } from '@parley/testbed';
import { startTestServer } from './support/server.js';
import { until } from './support/cluster.js';
import { TestClient } from './support/TestClient.js';
import { TwoServers, type TestServer } from './support/TwoServers.js';

const SECRET = 'cluster-server-test-secret-0123456789';

const codeOf = (reply: { type: string; code?: string }) => (reply.type === 'error' ? (reply.code ?? '') : reply.type);

/**
 * Two servers in this process sharing one real redis-server (REDIS_URL): what
 * must hold across nodes for capacity and resume tokens. The three-process
 * runs (kills, Redis frozen, rolling restart) are in cluster-nodes.test.ts.
 */
describe('two nodes in one process, rooms shared through Redis', () => {
  let nodes: TwoServers;
  let a: TestServer;
  let b: TestServer;
  let counter = 0;
  const newRoom = () => `shared-${++counter}`;
  const connect = (server: TestServer) => nodes.connect(server);
  const resume = (client: TestClient, resumeToken: string) => client.request({ type: 'resume', protocolVersion: PROTOCOL_VERSION, resumeToken });

  before(async () => {
    nodes = await TwoServers.start({ sessionSecret: SECRET, resumeWindowMs: 5000, maxParticipants: 2 });
    ({ a, b } = nodes);
  });
  after(() => nodes?.stop());

  it('refuses to start when REDIS_URL is set and nothing answers there', async () => {
    const port = await freePort('127.0.0.1');
    await assert.rejects(startTestServer({ redisUrl: `redis://127.0.0.1:${port}` }), /cannot reach Redis at REDIS_URL/);
  });

  it('counts a room’s capacity over both nodes, atomically', async () => {
    const room = newRoom();
    const ann = await (await connect(a)).join(room, 'Ann');
    const bob = await (await connect(b)).join(room, 'Bob');
    assert.deepEqual(bob.peers.map((p) => p.id), [ann.selfId], 'node b lists the member held by node a');
    const full = await (await connect(a)).tryJoin({ room, name: 'Cat' });
    assert.equal(full.type === 'error' && full.code, 'room-full', 'the third of a 2-person room is refused, though node a holds only one');
    assert.equal(a.registry.get(room)?.size, 1, 'and node a keeps no trace of the refused join');
  });

  it('a room’s password, set on one node, is asked for on the other; it goes with the room’s last member', async () => {
    const room = newRoom();
    const annClient = await connect(a);
    const ann = await annClient.join(room, 'Ann', { password: 'correct horse' });
    assert.equal(ann.role, 'host');
    const none = await (await connect(b)).tryJoin({ room, name: 'Bob' });
    assert.equal(none.type === 'error' && none.code, 'password-required', 'node b, which holds nobody of the room, still asks');
    const wrong = await (await connect(b)).tryJoin({ room, name: 'Bob', password: 'battery staple' });
    assert.equal(wrong.type === 'error' && wrong.code, 'wrong-password');
    const bobClient = await connect(b);
    const bob = await bobClient.join(room, 'Bob', { password: 'correct horse' });
    assert.equal(bob.role, 'guest', 'the first member on node b is not the room’s creator');
    assert.equal(bob.passwordProtected, true);
    await annClient.request({ type: 'leave' });
    await bobClient.request({ type: 'leave' });
    // Empty everywhere: the next one to come makes the room again, with rules of its own.
    const cat = await (await connect(b)).join(room, 'Cat', { password: 'another one' });
    assert.equal(cat.role, 'host');
    const old = await (await connect(a)).tryJoin({ room, name: 'Dan', password: 'correct horse' });
    assert.equal(old.type === 'error' && old.code, 'wrong-password', 'the old password went with the old room');
  });

  it('a resume token takes its participant to another node once; the old node lets go without a word to the room', async () => {
    const room = newRoom();
    const annClient = await connect(a);
    const ann = await annClient.join(room, 'Ann');
    const bobClient = await connect(b);
    await bobClient.join(room, 'Bob');
    await annClient.next('peer-joined');

    // Ann's socket to a is still open (half-dead, say) when she resumes on b.
    const oldClosed = once(annClient.socket, 'close');
    const moved = await resume(await connect(b), ann.resumeToken);
    assert.equal(moved.type, 'joined');
    assert.equal(moved.type === 'joined' && moved.selfId, ann.selfId, 'the same participant');
    const [code] = (await oldClosed) as [number];
    assert.equal(code, 1000, 'node a closed her old socket: another node holds her now');
    await until(() => a.registry.get(room) === undefined, 2000, 'node a to forget her');

    const again = await resume(await connect(a), ann.resumeToken);
    assert.equal(again.type === 'error' && again.code, 'resume-failed', 'the token was spent on node b, for every node');
    await bobClient.settle();
    assert.equal(bobClient.ofType('peer-left').length, 0, 'Bob never saw her leave');
    assert.equal(bobClient.ofType('peer-joined').length, 0, 'nor join again');
  });

  it('a participant who leaves while Redis is frozen is taken out once it is back, and the others are told', async () => {
    const room = newRoom();
    const annClient = await connect(a);
    const ann = await annClient.join(room, 'Ann');
    const bobClient = await connect(b);
    await bobClient.join(room, 'Bob');
    nodes.redis.freeze();
    try {
      assert.equal((await annClient.request({ type: 'leave' })).type, 'ok', 'leaving needs no Redis');
      await new Promise((resolve) => setTimeout(resolve, 3000));
    } finally {
      nodes.redis.thaw();
    }
    const thawedAt = Date.now();
    const left = await bobClient.next('peer-left', 5000);
    assert.equal(left.peerId, ann.selfId);
    const toldMs = Date.now() - thawedAt;
    const probe = await (await connect(b)).join(room, 'Probe');
    assert.deepEqual(probe.peers.map((p) => p.name), ['Bob'], 'Ann is no longer listed anywhere');
    console.log(`# a leave during a 3 s Redis freeze: the others told ${toldMs} ms after the thaw`);
  });

  it('a participant who left cannot come back through another node with its token', async () => {
    const room = newRoom();
    const annClient = await connect(a);
    const ann = await annClient.join(room, 'Ann');
    const bobClient = await connect(b);
    await bobClient.join(room, 'Bob');
    assert.equal((await annClient.request({ type: 'leave' })).type, 'ok');
    await bobClient.next('peer-left');
    // Her token's nonce was spent as she left, before Bob was told.
    const refused = await resume(await connect(b), ann.resumeToken);
    assert.equal(refused.type === 'error' && refused.code, 'resume-failed');
  });
});

describe('two nodes with room tokens (JWT_SECRET) sharing rooms through Redis', () => {
  const JWT_SECRET = 'cluster-jwt-secret-for-tests-0123456789abcdef';
  let nodes: TwoServers;
  let a: TestServer;
  let b: TestServer;
  const connect = (server: TestServer) => nodes.connect(server);
  const token = (room: string, name: string, role?: 'host') =>
    new SignJWT({ room, name, ...(role ? { role } : {}) }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('10m').sign(new TextEncoder().encode(JWT_SECRET));

  before(async () => {
    nodes = await TwoServers.start({ sessionSecret: SECRET, jwtSecret: JWT_SECRET });
    ({ a, b } = nodes);
  });
  after(() => nodes?.stop());

  it('a room token removed by a host on one node opens the room on no node', async () => {
    const room = 'jwt-shared-1';
    const host = await connect(a);
    await host.request({ type: 'join', protocolVersion: PROTOCOL_VERSION, room, token: await token(room, 'Host', 'host') });
    const bobToken = await token(room, 'Bob');
    const bob = await connect(b);
    const bobJoined = await bob.request({ type: 'join', protocolVersion: PROTOCOL_VERSION, room, token: bobToken });
    assert.equal(bobJoined.type, 'joined');
    assert.equal(codeOf(await host.request({ type: 'remove', peerId: bobJoined.type === 'joined' ? bobJoined.selfId : '' })), 'ok');
    await bob.next('removed');
    await host.next('peer-left');
    for (const [label, server] of [['a', a], ['b', b]] as const) {
      const again = await (await connect(server)).request({ type: 'join', protocolVersion: PROTOCOL_VERSION, room, token: bobToken });
      assert.equal(codeOf(again), 'removed', `node ${label} refuses the removed token`);
    }
    const other = await (await connect(b)).request({ type: 'join', protocolVersion: PROTOCOL_VERSION, room, token: await token(room, 'Cat') });
    assert.equal(other.type, 'joined', 'another token still opens the room');
    console.log('# a removed room token: refused on both nodes (removed), its expiry kept in Redis');
  });
});
