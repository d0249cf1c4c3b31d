import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { DEFAULT_MAX_MESSAGE_BYTES, PROTOCOL_VERSION } from '@parley/protocol';
import { startTestServer } from './support/server.js';
import { TestClient } from './support/TestClient.js';

const offer = { description: { type: 'offer', sdp: 'v=0\r\n' } };
const candidate = { candidate: { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host', sdpMid: '0', sdpMLineIndex: 0 } };

describe('signaling server with real WebSocket clients', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  const clients: TestClient[] = [];
  let roomCounter = 0;
  const newRoom = () => `room-${++roomCounter}`;
  const join = async (room: string, name: string) => {
    const result = await TestClient.joined(server.wsUrl, room, name);
    clients.push(result.client);
    return result;
  };
  const connect = async () => {
    const client = await TestClient.connect(server.wsUrl);
    clients.push(client);
    return client;
  };

  before(async () => {
    server = await startTestServer({ maxParticipants: 3 });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server.close();
  });

  it('answers join with an id, the peers already there, and ICE servers; tells members', async () => {
    const room = newRoom();
    const ada = await join(room, 'Ada');
    assert.equal(ada.joined.peers.length, 0);
    assert.match(ada.joined.selfId, /^[A-Za-z0-9_-]{12}$/);
    assert.ok(Array.isArray(ada.joined.iceServers));

    const bob = await join(room, ' Bob ');
    assert.deepEqual(bob.joined.peers, [{ id: ada.joined.selfId, name: 'Ada', media: { micMuted: false, cameraOff: false } }]);
    const announced = await ada.client.next('peer-joined');
    assert.deepEqual(announced.peer, { id: bob.joined.selfId, name: 'Bob', media: { micMuted: false, cameraOff: false } });
  });

  it('answers ping with ok, in a room or not, and tells nobody else', async () => {
    const loner = await connect();
    const before = await loner.request({ type: 'ping' });
    assert.equal(before.type, 'ok');
    const room = newRoom();
    const ada = await join(room, 'Ada');
    const bob = await join(room, 'Bob');
    await ada.client.next('peer-joined');
    const reply = await bob.client.request({ type: 'ping' });
    assert.deepEqual(reply, { type: 'ok', id: reply.type === 'ok' ? reply.id : -1 });
    await ada.client.settle();
    assert.equal(ada.client.ofType('peer-media').length + ada.client.ofType('signal').length, 0);
  });

  it('relays a signal to a member of the same room, stamping the real sender', async () => {
    const room = newRoom();
    const ada = await join(room, 'Ada');
    const bob = await join(room, 'Bob');
    const reply = await ada.client.request({ type: 'signal', to: bob.joined.selfId, from: 'forged', signal: offer });
    assert.deepEqual(reply, { type: 'ok', id: reply.type === 'ok' ? reply.id : -1 });
    const relayed = await bob.client.next('signal');
    assert.equal(relayed.from, ada.joined.selfId);
    assert.deepEqual(relayed.signal, offer);

    ada.client.send({ type: 'signal', to: bob.joined.selfId, signal: candidate });
    const second = await bob.client.waitFor((m) => m.type === 'signal' && 'candidate' in m.signal);
    assert.equal(second.type === 'signal' && second.from, ada.joined.selfId);
  });

  it('relays a call setup sent back to back whole and in order', async () => {
    const room = newRoom();
    const ada = await join(room, 'Ada');
    const bob = await join(room, 'Bob');
    // One offer and ten candidates in one go: they reach the server together and leave it in one batched write.
    const setup = [offer, ...Array.from({ length: 10 }, (_, i) => ({ candidate: { ...candidate.candidate, candidate: `${candidate.candidate.candidate} seq ${i}` } }))];
    for (const signal of setup) ada.client.send({ type: 'signal', to: bob.joined.selfId, signal });
    const relayed = [];
    for (let i = 0; i < setup.length; i++) relayed.push(await bob.client.next('signal'));
    assert.deepEqual(
      relayed.map((m) => m.signal),
      setup,
    );
    assert.ok(relayed.every((m) => m.from === ada.joined.selfId));
    assert.equal(bob.client.binaryFrames, 0, 'pushes are text frames');
  });

  it('refuses a signal to a participant of another room and delivers nothing there', async () => {
    const ada = await join(newRoom(), 'Ada');
    const eve = await join(newRoom(), 'Eve');
    const reply = await ada.client.request({ type: 'signal', to: eve.joined.selfId, signal: offer });
    assert.equal(reply.type, 'error');
    assert.equal(reply.type === 'error' && reply.code, 'not-in-room');
    await eve.client.settle();
    assert.equal(eve.client.ofType('signal').length, 0);
  });

  it('refuses signals before join, to oneself, and to unknown ids', async () => {
    const loner = await connect();
    const before = await loner.request({ type: 'signal', to: 'abcdefabcdef', signal: offer });
    assert.equal(before.type === 'error' && before.code, 'not-joined');
    const ada = await join(newRoom(), 'Ada');
    const self = await ada.client.request({ type: 'signal', to: ada.joined.selfId, signal: offer });
    assert.equal(self.type === 'error' && self.code, 'bad-target');
    const unknown = await ada.client.request({ type: 'signal', to: 'nobody', signal: offer });
    assert.equal(unknown.type === 'error' && unknown.code, 'not-in-room');
  });

  it('answers malformed, unknown and binary messages with a coded error while others go on', async () => {
    const room = newRoom();
    const ada = await join(room, 'Ada');
    const bob = await join(room, 'Bob');
    const mallory = await join(room, 'Mallory');

    mallory.client.send('{not json');
    assert.equal((await mallory.client.next('error')).code, 'bad-message');
    const unknown = await mallory.client.request({ type: 'become-admin' });
    assert.equal(unknown.type === 'error' && unknown.code, 'unknown-type');
    const badField = await mallory.client.request({ type: 'signal', to: 42, signal: offer });
    assert.equal(badField.type === 'error' && badField.code, 'bad-message');
    assert.match(badField.type === 'error' ? badField.message : '', /^to: /);
    mallory.client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    await mallory.client.waitFor((m) => m.type === 'error' && /binary/.test(m.message));

    const reply = await ada.client.request({ type: 'signal', to: bob.joined.selfId, signal: offer });
    assert.equal(reply.type, 'ok');
    assert.equal((await bob.client.next('signal')).from, ada.joined.selfId);
    assert.equal(server.registry.get(room)?.size, 3);
    assert.equal(ada.client.ofType('error').length + bob.client.ofType('error').length, 0);
  });

  it('closes an oversized message with 1009, removes that member, and keeps the room', async () => {
    const room = newRoom();
    const ada = await join(room, 'Ada');
    const bob = await join(room, 'Bob');
    const closed = once(bob.client.socket, 'close');
    bob.client.send({ type: 'signal', to: ada.joined.selfId, signal: { description: { type: 'offer', sdp: 'x'.repeat(DEFAULT_MAX_MESSAGE_BYTES) } } });
    const [code] = (await closed) as [number];
    assert.equal(code, 1009);
    const left = await ada.client.next('peer-left');
    assert.deepEqual(left, { type: 'peer-left', peerId: bob.joined.selfId, reason: 'disconnected' });
    assert.equal(ada.client.ofType('signal').length, 0);
    const carol = await join(room, 'Carol');
    assert.deepEqual(carol.joined.peers.map((p) => p.name), ['Ada']);
  });

  it('refuses a fourth participant when the room holds three', async () => {
    const room = newRoom();
    await join(room, 'A');
    await join(room, 'B');
    await join(room, 'C');
    const late = await connect();
    const reply = await late.request({ type: 'join', room, name: 'D', protocolVersion: PROTOCOL_VERSION });
    assert.equal(reply.type === 'error' && reply.code, 'room-full');
    assert.equal(server.registry.get(room)?.size, 3);
  });

  it('checks room name, display name, protocol version, and a second join', async () => {
    const client = await connect();
    const cases: [Record<string, unknown>, string][] = [
      [{ room: 'has space', name: 'A', protocolVersion: PROTOCOL_VERSION }, 'bad-room-name'],
      [{ room: 'x'.repeat(65), name: 'A', protocolVersion: PROTOCOL_VERSION }, 'bad-room-name'],
      [{ room: 'ok', name: '', protocolVersion: PROTOCOL_VERSION }, 'bad-name'],
      [{ room: 'ok', name: 'x'.repeat(65), protocolVersion: PROTOCOL_VERSION }, 'bad-name'],
      [{ room: 'ok', name: 'A', protocolVersion: 'one' }, 'bad-message'],
      [{ room: 'ok', name: 'A', protocolVersion: PROTOCOL_VERSION + 1 }, 'unsupported-protocol'],
    ];
    for (const [fields, code] of cases) {
      const reply = await client.request({ type: 'join', ...fields });
      assert.equal(reply.type === 'error' && reply.code, code, JSON.stringify(fields));
    }
    const room = newRoom();
    await client.join(room, 'A');
    const again = await client.request({ type: 'join', room: newRoom(), name: 'A', protocolVersion: PROTOCOL_VERSION });
    assert.equal(again.type === 'error' && again.code, 'already-joined');
    assert.equal(server.registry.get(room)?.size, 1);
  });

  it('tells a client of the previous protocol version to reload, for a join and a resume, whatever else it sends', async () => {
    const client = await connect();
    const old = PROTOCOL_VERSION - 1;
    const replies = [
      await client.request({ type: 'join', room: newRoom(), name: 'Ada', protocolVersion: old }),
      // Version 1 had no resume tokens of today's shape, nor today's limits on other fields.
      await client.request({ type: 'join', room: newRoom(), name: 'Ada', protocolVersion: old, media: 'on' }),
      await client.request({ type: 'resume', resumeToken: 'a-token-of-an-older-server', protocolVersion: old }),
      await client.request({ type: 'resume', resumeToken: 'short', protocolVersion: old }),
    ];
    for (const reply of replies) {
      console.log(`protocol ${old} client: ${JSON.stringify(reply)}`);
      assert.equal(reply.type === 'error' && reply.code, 'unsupported-protocol');
      assert.match(reply.type === 'error' ? reply.message : '', new RegExp(`speaks protocol ${PROTOCOL_VERSION}, the client ${old}; reload the page`));
    }
    // Refused without harm: the same connection joins with the right version.
    assert.ok((await client.join(newRoom(), 'Ada')).selfId);
  });

  it('broadcasts media state to the others', async () => {
    const room = newRoom();
    const ada = await join(room, 'Ada');
    const bob = await join(room, 'Bob');
    const reply = await ada.client.request({ type: 'media', media: { micMuted: true, cameraOff: false } });
    assert.equal(reply.type, 'ok');
    assert.deepEqual(await bob.client.next('peer-media'), {
      type: 'peer-media',
      peerId: ada.joined.selfId,
      media: { micMuted: true, cameraOff: false },
    });
    await ada.client.settle();
    assert.equal(ada.client.ofType('peer-media').length, 0);
    const carol = await join(room, 'Carol');
    assert.deepEqual(carol.joined.peers.find((p) => p.name === 'Ada')?.media, { micMuted: true, cameraOff: false });
  });

  it('tells the room on leave ("left") and on disconnect ("disconnected"), and forgets empty rooms', async () => {
    const room = newRoom();
    const ada = await join(room, 'Ada');
    const bob = await join(room, 'Bob');
    const carol = await join(room, 'Carol');
    assert.equal((await bob.client.request({ type: 'leave' })).type, 'ok');
    assert.deepEqual(await ada.client.next('peer-left'), { type: 'peer-left', peerId: bob.joined.selfId, reason: 'left' });
    const afterLeave = await bob.client.request({ type: 'signal', to: ada.joined.selfId, signal: offer });
    assert.equal(afterLeave.type === 'error' && afterLeave.code, 'not-joined');

    await carol.client.close();
    const gone = await ada.client.waitFor((m) => m.type === 'peer-left' && m.peerId === carol.joined.selfId);
    assert.equal(gone.type === 'peer-left' && gone.reason, 'disconnected');
    await ada.client.close();
    await bob.client.settle();
    assert.equal(server.registry.get(room), undefined);
  });
});

describe('signaling server connection rules', () => {
  it('refuses a WebSocket from a foreign origin and accepts its own and originless clients', async () => {
    const server = await startTestServer();
    try {
      const foreign = new WebSocket(server.wsUrl, { origin: 'https://evil.example' });
      const [request, response] = (await once(foreign, 'unexpected-response')) as [ClientRequest, IncomingMessage];
      assert.equal(response.statusCode, 403);
      // Handling 'unexpected-response' makes aborting the handshake request ours to do.
      request.destroy();
      const own = await TestClient.connect(server.wsUrl, { origin: server.url });
      await own.close();
      const plain = await TestClient.connect(server.wsUrl);
      await plain.close();
    } finally {
      await server.close();
    }
  });

  it('drops a client that stops answering pings and tells its room', async () => {
    const server = await startTestServer({ heartbeatIntervalMs: 100 });
    try {
      const ada = await TestClient.joined(server.wsUrl, 'heartbeat', 'Ada');
      const silent = await TestClient.connect(server.wsUrl, { autoPong: false });
      const silentJoin = await silent.join('heartbeat', 'Silent');
      const left = await ada.client.next('peer-left', 3000);
      assert.deepEqual(left, { type: 'peer-left', peerId: silentJoin.selfId, reason: 'disconnected' });
      assert.equal(server.signaling.connectionCount, 1);
      await ada.client.close();
      await silent.close();
    } finally {
      await server.close();
    }
  });
});
