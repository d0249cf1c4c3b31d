import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket as NodeWebSocket } from 'ws';
import { PROTOCOL_VERSION, type JoinedMessage, type PushMessage } from '@parley/protocol';
import { DEFAULT_CONFIG, createLogger, startParleyServer, type RunningServer } from '@parley/server';
import { ParleyError, SignalingClient, SignalingSession, type RejoinRequest, type SignalingSessionState } from '@parley/client';

// The SDK's signaling speaks the browser's WebSocket API; `ws` offers the same one in Node.
globalThis.WebSocket ??= NodeWebSocket as unknown as typeof WebSocket;

/** Every wait in these tests is bounded by this. */
const WAIT_MS = 5_000;

function within<T>(what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${WAIT_MS} ms`)), WAIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The candidate text of a relayed signal, which these tests use as a label. */
function candidateOf(message: Extract<PushMessage, { type: 'signal' }>): string | undefined {
  return 'candidate' in message.signal ? message.signal.candidate.candidate : undefined;
}

/** Someone in the room through the plain SignalingClient, collecting what the server pushes. */
async function member(url: string, room: string, name: string, extra: Partial<RejoinRequest> = {}) {
  const client = await SignalingClient.connect(url);
  const pushes: PushMessage[] = [];
  const waiters: (() => void)[] = [];
  client.on('push', (message) => {
    pushes.push(message);
    for (const wake of waiters.splice(0)) wake();
  });
  const reply = await client.request({ type: 'join', room, name, protocolVersion: PROTOCOL_VERSION, ...extra });
  assert.equal(reply.type, 'joined');
  /** The first push (in order, from the start) that matches; waits for it if it has not come yet. */
  const next = async <T extends PushMessage['type']>(type: T, matches: (message: Extract<PushMessage, { type: T }>) => boolean = () => true) =>
    within(`${name} waiting for ${type}`, (async () => {
      for (;;) {
        const found = pushes.find((message): message is Extract<PushMessage, { type: T }> => message.type === type && matches(message as Extract<PushMessage, { type: T }>));
        if (found) return found;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    })());
  return { client, joined: reply as JoinedMessage, next, pushes };
}

/** A session as the Room holds it, with the join it sends again, and a record of its states. */
async function session(url: string, room: string, name: string, rejoin: () => RejoinRequest) {
  const joined = await member(url, room, name);
  const session = new SignalingSession(joined.client, joined.joined, url, rejoin);
  const states: SignalingSessionState[] = [];
  session.on('state-changed', (state) => states.push(state));
  return { ...joined, session, states };
}

describe('SignalingSession after the server refuses a resume', () => {
  let server: RunningServer;
  let url: string;
  let rooms = 0;
  const newRoom = () => `rejoin-${process.pid}-${++rooms}`;

  before(async () => {
    // No resume window: a dropped socket ends the place at once, so the resume that follows is refused.
    const config = { ...DEFAULT_CONFIG, port: 0, host: '127.0.0.1', staticDir: '', resumeWindowMs: 0 };
    server = await startParleyServer(config, createLogger(process.env.PARLEY_TEST_LOG ? 'debug' : 'silent'));
    url = `${server.url.replace('http', 'ws')}/ws`;
  });
  after(() => server.shutdown());

  it('joins again as a new participant with the same name, and both directions work on the fresh session', async () => {
    const room = newRoom();
    const ada = await member(url, room, 'Ada');
    const rejoins: { selfId: string; name: string; reason: string }[] = [];
    const bob = await session(url, room, 'Bob', () => ({ type: 'join', room, name: 'Bob', protocolVersion: PROTOCOL_VERSION, media: { micMuted: true, cameraOff: false } }));
    bob.session.on('rejoined', (reply, refusal) => rejoins.push({ selfId: reply.selfId, name: reply.name, reason: refusal.code }));
    const oldBob = bob.joined.selfId;
    await ada.next('peer-joined', (m) => m.peer.id === oldBob);
    // Signals numbered 1 and 2 on the old session: the new one must count afresh or the server drops them as repeats.
    bob.session.notify({ type: 'signal', to: ada.joined.selfId, signal: { candidate: { candidate: 'old-1' } } });
    bob.session.notify({ type: 'signal', to: ada.joined.selfId, signal: { candidate: { candidate: 'old-2' } } });
    await ada.next('signal', (m) => candidateOf(m) === 'old-2');

    const droppedAt = Date.now();
    bob.client.close(4000, 'the network went away');
    const left = await ada.next('peer-left', (m) => m.peerId === oldBob);
    const back = await ada.next('peer-joined', (m) => m.peer.name === 'Bob' && m.peer.id !== oldBob);
    const rejoinedMs = Date.now() - droppedAt;
    console.log(`rejoined as a new participant ${rejoinedMs} ms after the drop; states: ${bob.states.join(' -> ')}`);

    assert.equal(left.reason, 'disconnected');
    assert.deepEqual(rejoins, [{ selfId: back.peer.id, name: 'Bob', reason: 'resume-failed' }]);
    assert.deepEqual(back.peer.media, { micMuted: true, cameraOff: false }, 'the join carries the media state of that moment');
    assert.deepEqual(bob.states, ['reconnecting', 'rejoining', 'connected']);
    assert.equal(bob.session.state, 'connected');

    const bobHears = new Promise<PushMessage>((resolve) => bob.session.on('push', resolve));
    ada.client.notify({ type: 'signal', to: back.peer.id, signal: { candidate: { candidate: 'to-new-bob' } } });
    const heard = await within('Bob hearing Ada', bobHears);
    assert.equal(heard.type === 'signal' && heard.from, ada.joined.selfId);
    bob.session.notify({ type: 'signal', to: ada.joined.selfId, signal: { candidate: { candidate: 'new-1' } } });
    const relayed = await ada.next('signal', (m) => candidateOf(m) === 'new-1');
    assert.equal(relayed.from, back.peer.id);

    bob.session.close();
    ada.client.close();
  });

  it('keeps nothing of the old session: what waited while away is not sent for the new participant', async () => {
    const room = newRoom();
    const ada = await member(url, room, 'Ada');
    const bob = await session(url, room, 'Bob', () => ({ type: 'join', room, name: 'Bob', protocolVersion: PROTOCOL_VERSION }));
    const rejoined = new Promise<JoinedMessage>((resolve) => bob.session.on('rejoined', (reply) => resolve(reply)));
    bob.client.close(4000, 'the network went away');
    // Written while away, for a link of the old participant: meaningless to the new one.
    bob.session.notify({ type: 'signal', to: ada.joined.selfId, signal: { candidate: { candidate: 'stale' } } });
    const reply = await within('rejoin', rejoined);
    bob.session.notify({ type: 'signal', to: ada.joined.selfId, signal: { candidate: { candidate: 'fresh' } } });
    const fresh = await ada.next('signal', (m) => candidateOf(m) === 'fresh');
    assert.equal(fresh.from, reply.selfId);
    // Had it been sent, it would have gone first, on the same socket: relayed in order, it would be here.
    assert.deepEqual(ada.pushes.flatMap((m) => (m.type === 'signal' ? [candidateOf(m)] : [])), ['fresh']);
    bob.session.close();
    ada.client.close();
  });

  it('is lost, not retrying for ever, when the fresh join is refused, and says why', async () => {
    const room = newRoom();
    const ada = await member(url, room, 'Ada', { password: 'right horse' });
    // The page's password was right once; the server now says otherwise (here: a wrong one from the start of the rejoin).
    const joined = await member(url, room, 'Bob', { password: 'right horse' });
    const bob = new SignalingSession(joined.client, joined.joined, url, () => ({ type: 'join', room, name: 'Bob', protocolVersion: PROTOCOL_VERSION, password: 'wrong horse' }));
    const states: SignalingSessionState[] = [];
    bob.on('state-changed', (state) => states.push(state));
    const lost = new Promise<ParleyError>((resolve) => bob.on('lost', resolve));
    joined.client.close(4000, 'the network went away');
    const error = await within('lost', lost);
    console.log(`refused rejoin: ${error.code}: ${error.message}; states: ${states.join(' -> ')}`);
    assert.equal(error.code, 'wrong-password');
    assert.deepEqual(states, ['reconnecting', 'rejoining', 'lost']);
    bob.close();
    ada.client.close();
  });

  it('without a way to rejoin, a refused resume ends in lost as before', async () => {
    const room = newRoom();
    const joined = await member(url, room, 'Bob');
    const bob = new SignalingSession(joined.client, joined.joined, url);
    const lost = new Promise<ParleyError>((resolve) => bob.on('lost', resolve));
    joined.client.close(4000, 'the network went away');
    assert.equal((await within('lost', lost)).code, 'resume-failed');
    assert.equal(bob.state, 'lost');
    bob.close();
  });
});

describe('SignalingSession facing a server of another protocol version', () => {
  it('stops at unsupported-protocol (a page cannot become newer by retrying) instead of rejoining', async () => {
    // A server of "the next version": it answers every resume and join as a newer Parley would.
    const { WebSocketServer } = await import('ws');
    const next = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => next.once('listening', resolve));
    const address = next.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    let attempts = 0;
    next.on('connection', (socket) => {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { id?: number; type: string; protocolVersion?: number };
        attempts += 1;
        socket.send(JSON.stringify({ type: 'error', id: message.id, code: 'unsupported-protocol', message: `this server speaks protocol ${PROTOCOL_VERSION + 1}, the client ${message.protocolVersion}; reload the page` }));
      });
    });
    const url = `ws://127.0.0.1:${address.port}/ws`;
    try {
      // Bob had joined the old server; it was replaced by a newer one at the same address.
      const joined: JoinedMessage = { type: 'joined', id: 1, selfId: 'bob-before-the-upgrade', room: 'r', name: 'Bob', peers: [], iceServers: [], resumeToken: 'a-token-from-the-old-server', resumeWindowMs: 10_000, role: 'guest', lobby: false, passwordProtected: false };
      const client = await SignalingClient.connect(url);
      const bob = new SignalingSession(client, joined, url, () => ({ type: 'join', room: 'r', name: 'Bob', protocolVersion: PROTOCOL_VERSION }));
      const lost = new Promise<ParleyError>((resolve) => bob.on('lost', resolve));
      client.close(4000, 'the server went down for the upgrade');
      const error = await within('lost', lost);
      console.log(`facing protocol ${PROTOCOL_VERSION + 1}: ${error.code} after ${attempts} attempt(s): ${error.message}`);
      assert.equal(error.code, 'unsupported-protocol');
      assert.match(error.message, /reload the page/);
      assert.equal(attempts, 1, 'one resume, no join, no retry');
      bob.close();
    } finally {
      for (const socket of next.clients) socket.terminate();
      await new Promise((resolve) => next.close(resolve));
    }
  });
});
