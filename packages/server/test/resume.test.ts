import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { PROTOCOL_VERSION } from '@parley/protocol';
import { startTestServer } from './support/server.js';
import { TestClient } from './support/TestClient.js';

const offer = { description: { type: 'offer', sdp: 'v=0\r\n' } };
const SECRET = 'a-session-secret-for-tests';

/** Drops the TCP connection the way a Wi-Fi blip does: no close frame, no leave. */
async function drop(client: TestClient): Promise<void> {
  const closed = once(client.socket, 'close');
  client.socket.terminate();
  await closed;
}

describe('resuming after the signaling connection drops', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let counter = 0;
  const room = () => `resume-${++counter}`;
  before(async () => {
    server = await startTestServer({ resumeWindowMs: 1500, sessionSecret: SECRET });
  });
  after(() => server.close());

  it('comes back as the same participant; the others see no leave and no join; what was sent meanwhile arrives once, in order', async () => {
    const name = room();
    const ada = await TestClient.joined(server.wsUrl, name, 'Ada');
    const bob = await TestClient.joined(server.wsUrl, name, 'Bob');
    assert.ok(bob.joined.resumeToken.startsWith('v1.'));
    assert.equal(bob.joined.resumeWindowMs, 1500);

    await drop(bob.client);
    // What is sent once the server knows the socket is gone (the test below covers what went into it).
    while (server.signaling.connectionCount > 1) await new Promise((resolve) => setTimeout(resolve, 5));
    for (let i = 1; i <= 3; i++) {
      const reply = await ada.client.request({ type: 'signal', to: bob.joined.selfId, signal: { candidate: { candidate: `candidate:${i}` } } });
      assert.equal(reply.type, 'ok', 'a suspended member is still in the room');
    }

    const back = await TestClient.connect(server.wsUrl);
    const resumed = await back.request({ type: 'resume', resumeToken: bob.joined.resumeToken, protocolVersion: PROTOCOL_VERSION });
    assert.equal(resumed.type, 'joined');
    if (resumed.type !== 'joined') return;
    assert.equal(resumed.selfId, bob.joined.selfId);
    assert.equal(resumed.resumed, true);
    assert.notEqual(resumed.resumeToken, bob.joined.resumeToken);
    assert.deepEqual(resumed.peers.map((p) => p.name), ['Ada']);
    for (let i = 1; i <= 3; i++) {
      const signal = await back.next('signal');
      assert.deepEqual(signal.signal, { candidate: { candidate: `candidate:${i}` } });
      assert.equal(signal.from, ada.joined.selfId);
    }
    await ada.client.settle();
    assert.equal(ada.client.ofType('peer-left').length, 0);
    assert.equal(ada.client.ofType('peer-joined').length, 1, 'only the first join');

    await ada.client.request({ type: 'signal', to: bob.joined.selfId, signal: offer });
    assert.deepEqual((await back.next('signal')).signal, offer);
    await Promise.all([ada.client.close(), back.close()]);
  });

  it('replays what went into a socket that died unseen, and takes a resent signal once', async () => {
    const name = room();
    const ada = await TestClient.joined(server.wsUrl, name, 'Ada');
    const bob = await TestClient.joined(server.wsUrl, name, 'Bob');
    const cand = (i: number) => ({ candidate: { candidate: `candidate:${i}` } });

    // Bob's network stalls: the server keeps writing, nothing reaches Bob's code.
    const bobTcp = (bob.client.socket as unknown as { _socket: import('node:net').Socket })._socket;
    bobTcp.pause();
    for (let i = 1; i <= 3; i++) await ada.client.request({ type: 'signal', to: bob.joined.selfId, signal: cand(i) });
    const handledByBob = bob.client.lastSeq;
    // Then the connection dies without a close frame; what sat in the buffers is gone.
    bobTcp.destroy();
    while (server.signaling.connectionCount > 1) await new Promise((resolve) => setTimeout(resolve, 5));
    await ada.client.request({ type: 'signal', to: bob.joined.selfId, signal: cand(4) });

    const back = await TestClient.connect(server.wsUrl);
    const resumed = await back.request({ type: 'resume', resumeToken: bob.joined.resumeToken, protocolVersion: PROTOCOL_VERSION, lastSeq: handledByBob });
    assert.equal(resumed.type, 'joined');
    if (resumed.type !== 'joined') return;
    assert.equal(resumed.seq, handledByBob + 4, 'four pushes sent since');
    assert.equal(resumed.receivedSeq, 0, 'Bob has sent nothing numbered yet');
    for (let i = 1; i <= 4; i++) assert.deepEqual((await back.next('signal')).signal, cand(i));
    assert.deepEqual(back.outOfOrder, []);
    assert.equal(back.binaryFrames, 0, 'replayed pushes are text frames');
    console.log(`# resume replayed 4 signals after push ${handledByBob}: 3 written into the dead socket, 1 sent while suspended`);

    // Bob resends what he is not sure arrived: numbered, so each is relayed once.
    for (const seq of [1, 2, 2, 1, 3]) back.send({ type: 'signal', seq, to: ada.joined.selfId, signal: cand(100 + seq) });
    await back.settle();
    await ada.client.settle();
    assert.deepEqual(ada.client.ofType('signal').map((m) => m.signal), [cand(101), cand(102), cand(103)]);
    await Promise.all([ada.client.close(), back.close()]);
  });

  it('takes the older token again when the reply to a resume was lost, until the client speaks', async () => {
    const ada = await TestClient.joined(server.wsUrl, room(), 'Ada');
    const first = ada.joined.resumeToken;
    await drop(ada.client);
    // The resume succeeds, but its reply (with the new token) never reaches the client's code.
    const lost = await TestClient.connect(server.wsUrl);
    const unread = await lost.request({ type: 'resume', resumeToken: first, protocolVersion: PROTOCOL_VERSION });
    assert.equal(unread.type, 'joined');
    await drop(lost);
    const retry = await TestClient.connect(server.wsUrl);
    const again = await retry.request({ type: 'resume', resumeToken: first, protocolVersion: PROTOCOL_VERSION });
    assert.equal(again.type === 'joined' && again.selfId, ada.joined.selfId, 'the same participant, no second place');
    if (again.type !== 'joined') return;
    // Now the client speaks on its socket: it has the newest token, and older ones are spent.
    await retry.settle();
    await drop(retry);
    const stale = await TestClient.connect(server.wsUrl);
    const refused = await stale.request({ type: 'resume', resumeToken: first, protocolVersion: PROTOCOL_VERSION });
    assert.equal(refused.type === 'error' && refused.code, 'resume-failed');
    const current = await stale.request({ type: 'resume', resumeToken: again.resumeToken, protocolVersion: PROTOCOL_VERSION });
    assert.equal(current.type, 'joined');
    await stale.close();
  });

  it('accepts each token once, and refuses forged ones', async () => {
    const ada = await TestClient.joined(server.wsUrl, room(), 'Ada');
    await drop(ada.client);
    const first = await TestClient.connect(server.wsUrl);
    assert.equal((await first.request({ type: 'resume', resumeToken: ada.joined.resumeToken, protocolVersion: PROTOCOL_VERSION })).type, 'joined');
    const replay = await TestClient.connect(server.wsUrl);
    const refused = await replay.request({ type: 'resume', resumeToken: ada.joined.resumeToken, protocolVersion: PROTOCOL_VERSION });
    assert.equal(refused.type === 'error' && refused.code, 'resume-failed');
    const [head, body] = ada.joined.resumeToken.split('.');
    const forged = `${head}.${body}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;
    const forgery = await replay.request({ type: 'resume', resumeToken: forged, protocolVersion: PROTOCOL_VERSION });
    assert.equal(forgery.type === 'error' && forgery.code, 'resume-failed');
    assert.equal(first.socket.readyState, first.socket.OPEN, 'the refusals disturbed nobody');
    await Promise.all([first.close(), replay.close()]);
  });

  it('gives the place up when the window ends: the others are told, and the token is void', async () => {
    const name = room();
    const ada = await TestClient.joined(server.wsUrl, name, 'Ada');
    const bob = await TestClient.joined(server.wsUrl, name, 'Bob');
    const droppedAt = Date.now();
    await drop(bob.client);
    const left = await ada.client.next('peer-left', 4000);
    assert.deepEqual(left, { type: 'peer-left', peerId: bob.joined.selfId, reason: 'disconnected' });
    const waited = Date.now() - droppedAt;
    assert.ok(waited >= 1000, `held for ${waited} ms`);
    const late = await TestClient.connect(server.wsUrl);
    const refused = await late.request({ type: 'resume', resumeToken: bob.joined.resumeToken, protocolVersion: PROTOCOL_VERSION });
    assert.equal(refused.type === 'error' && refused.code, 'resume-failed');
    await Promise.all([ada.client.close(), late.close()]);
  });

  it('takes participants back after a server restart, from their signed tokens alone', async () => {
    const first = await startTestServer({ resumeWindowMs: 5000, sessionSecret: SECRET });
    const name = room();
    const ada = await TestClient.joined(first.wsUrl, name, 'Ada');
    const bob = await TestClient.joined(first.wsUrl, name, 'Bob');
    const port = first.port;
    const closing = Promise.all([once(ada.client.socket, 'close'), once(bob.client.socket, 'close')]);
    await first.close();
    const [[adaCode]] = (await closing) as [[number], [number]];
    assert.equal(adaCode, 1001, 'going away: come back later');
    assert.equal(ada.client.ofType('peer-left').length, 0, 'a shutdown tells nobody that anyone left');
    const second = await startTestServer({ port, resumeWindowMs: 5000, sessionSecret: SECRET });
    try {
      const ada2 = await TestClient.connect(second.wsUrl);
      const adaBack = await ada2.request({ type: 'resume', resumeToken: ada.joined.resumeToken, protocolVersion: PROTOCOL_VERSION });
      assert.equal(adaBack.type === 'joined' && adaBack.selfId, ada.joined.selfId);
      const bob2 = await TestClient.connect(second.wsUrl);
      const bobBack = await bob2.request({ type: 'resume', resumeToken: bob.joined.resumeToken, protocolVersion: PROTOCOL_VERSION });
      assert.equal(bobBack.type === 'joined' && bobBack.selfId, bob.joined.selfId);
      assert.deepEqual(bobBack.type === 'joined' && bobBack.peers.map((p) => p.id), [ada.joined.selfId]);
      assert.equal((await ada2.next('peer-joined')).peer.id, bob.joined.selfId);
      assert.equal(second.registry.get(name)?.size, 2);
      // A server with another secret takes nobody back.
      await Promise.all([ada2.close(), bob2.close()]);
    } finally {
      await second.close();
    }
    const stranger = await startTestServer({ sessionSecret: 'some-other-secret-entirely' });
    try {
      const client = await TestClient.connect(stranger.wsUrl);
      const refused = await client.request({ type: 'resume', resumeToken: ada.joined.resumeToken, protocolVersion: PROTOCOL_VERSION });
      assert.equal(refused.type === 'error' && refused.code, 'resume-failed');
      await client.close();
    } finally {
      await stranger.close();
    }
  });
});
