import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { PROTOCOL_VERSION } from '@parley/protocol';
import { startTestServer } from './support/server.js';
import { TestClient } from './support/TestClient.js';

function codeOf(reply: { type: string; code?: string }): string {
  return reply.type === 'error' ? (reply.code ?? '') : reply.type;
}

describe('lobby (knock) and removal', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  const clients: TestClient[] = [];
  let counter = 0;
  const newRoom = () => `lobby-${++counter}`;
  const connect = async () => {
    const client = await TestClient.connect(server.wsUrl);
    clients.push(client);
    return client;
  };
  /** A host in a new room with the lobby on from the start. */
  const hostedRoom = async () => {
    const room = newRoom();
    const host = await connect();
    const joined = await host.join(room, 'Host', { lobby: true });
    assert.equal(joined.role, 'host');
    assert.equal(joined.lobby, true);
    return { room, host, hostId: joined.selfId };
  };
  /** Knocks; resolves once the server says we wait, with the knock the host saw. */
  const knock = async (room: string, name: string, host: TestClient) => {
    const client = await connect();
    const reply = await client.tryJoin({ room, name });
    assert.equal(reply.type, 'lobby-waiting');
    const seen = await host.next('knock');
    assert.equal(seen.peer.name, name);
    return { client, id: seen.peer.id, joinId: reply.type === 'lobby-waiting' ? reply.id : -1 };
  };

  before(async () => {
    server = await startTestServer({ resumeWindowMs: 2000, maxParticipants: 3 });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server.close();
  });

  it('holds a newcomer until a host admits: the held join is answered then, and the room hears of it', async () => {
    const { room, host } = await hostedRoom();
    const started = performance.now();
    const bob = await knock(room, 'Bob', host);
    // Waiting is not being in the room: nothing the room has is open to Bob.
    assert.equal(server.registry.get(room)?.size, 1);
    assert.equal(codeOf(await bob.client.request({ type: 'ice-servers' })), 'not-joined');
    assert.equal(codeOf(await bob.client.request({ type: 'media', media: { micMuted: true, cameraOff: true } })), 'not-joined');
    assert.equal(codeOf(await bob.client.tryJoin({ room, name: 'Bob again' })), 'already-joined');
    assert.equal(codeOf(await bob.client.request({ type: 'admit', peerId: bob.id })), 'not-joined');

    assert.equal(codeOf(await host.request({ type: 'admit', peerId: bob.id })), 'ok');
    const joined = await bob.client.next('joined');
    const waitedMs = performance.now() - started;
    assert.equal(joined.id, bob.joinId, 'the answer to the held join');
    assert.equal(joined.selfId, bob.id);
    assert.equal(joined.role, 'guest');
    assert.deepEqual(joined.peers.map((p) => p.name), ['Host']);
    assert.deepEqual(await host.next('knock-ended'), { type: 'knock-ended', peerId: bob.id, outcome: 'admitted' });
    assert.equal((await host.next('peer-joined')).peer.id, bob.id);
    console.log(`# knock → admitted → joined in ${waitedMs.toFixed(1)} ms`);
  });

  it('a denied newcomer is refused with lobby-denied and never enters', async () => {
    const { room, host } = await hostedRoom();
    const eve = await knock(room, 'Eve', host);
    assert.equal(codeOf(await host.request({ type: 'deny', peerId: eve.id })), 'ok');
    const refused = await eve.client.next('error');
    assert.equal(refused.id, eve.joinId);
    assert.equal(refused.code, 'lobby-denied');
    assert.equal((await host.next('knock-ended')).outcome, 'denied');
    assert.equal(codeOf(await host.request({ type: 'admit', peerId: eve.id })), 'not-waiting', 'a denied knock cannot be admitted later');
    assert.equal(codeOf(await host.request({ type: 'deny', peerId: 'nobody' })), 'not-waiting');
    assert.equal(server.registry.get(room)?.size, 1);
    await host.settle();
    assert.equal(host.ofType('peer-joined').length, 0);
  });

  it('only hosts answer knocks, switch the lobby or remove; guests are refused with not-host and change nothing', async () => {
    const { room, host, hostId } = await hostedRoom();
    const bob = await knock(room, 'Bob', host);
    await host.request({ type: 'admit', peerId: bob.id });
    await bob.client.next('joined');
    const carl = await knock(room, 'Carl', host);
    for (const message of [
      { type: 'admit', peerId: carl.id },
      { type: 'deny', peerId: carl.id },
      { type: 'set-lobby', enabled: false },
      { type: 'remove', peerId: hostId },
    ]) {
      assert.equal(codeOf(await bob.client.request(message)), 'not-host', message.type);
    }
    assert.equal(bob.client.ofType('knock').length, 0, 'guests do not see knocks');
    assert.equal(server.registry.get(room)?.size, 2);
    assert.equal(codeOf(await host.request({ type: 'remove', peerId: hostId })), 'bad-target');
    assert.equal(codeOf(await host.request({ type: 'remove', peerId: carl.id })), 'not-in-room', 'a waiter is not a member');
    assert.equal(codeOf(await host.request({ type: 'remove', peerId: 'not-an-id!' })), 'bad-message');
  });

  it('someone who gives up waiting (leave, or closes the tab) leaves the hosts\' list', async () => {
    const { room, host } = await hostedRoom();
    const one = await knock(room, 'One', host);
    assert.equal(codeOf(await one.client.request({ type: 'leave' })), 'ok');
    assert.equal(codeOf(await one.client.next('error')), 'lobby-denied');
    assert.deepEqual(await host.next('knock-ended'), { type: 'knock-ended', peerId: one.id, outcome: 'left' });
    const two = await knock(room, 'Two', host);
    await two.client.close();
    assert.deepEqual(await host.next('knock-ended'), { type: 'knock-ended', peerId: two.id, outcome: 'left' });
    assert.equal(server.registry.get(room)?.lobby.size, 0);
  });

  it('turning the lobby off lets everyone waiting in (as far as the room has space) and tells the room', async () => {
    const { room, host } = await hostedRoom();
    const a = await knock(room, 'A', host);
    const b = await knock(room, 'B', host);
    const c = await knock(room, 'C', host);
    assert.equal(codeOf(await host.request({ type: 'set-lobby', enabled: false })), 'ok');
    assert.equal((await a.client.next('joined')).lobby, false);
    assert.equal((await b.client.next('joined')).selfId, b.id);
    assert.equal((await c.client.next('error')).code, 'lobby-denied', 'the room holds 3');
    assert.equal((await host.next('lobby-changed')).enabled, false);
    assert.equal(server.registry.get(room)?.size, 3);
    // Back on: newcomers wait again, and members hear of it.
    assert.equal(codeOf(await host.request({ type: 'set-lobby', enabled: true })), 'ok');
    assert.equal((await a.client.next('lobby-changed')).enabled, true);
    // The room is full: a knock is refused at once rather than left waiting for nothing.
    const late = await connect();
    assert.equal(codeOf(await late.tryJoin({ room, name: 'Late' })), 'room-full');
    assert.equal(server.registry.get(room)?.lobby.size, 0);
  });

  it('a room that ends turns its waiters away', async () => {
    const { room, host } = await hostedRoom();
    const waiter = await knock(room, 'Waiter', host);
    await host.request({ type: 'leave' });
    const refused = await waiter.client.next('error');
    assert.equal(refused.code, 'lobby-denied');
    assert.match(refused.message, /ended/);
    assert.equal(server.registry.get(room), undefined);
  });

  it('a host removes a participant: told why, socket closed, the others see "removed", and no way back by resume', async () => {
    const room = newRoom();
    const host = await connect();
    await host.join(room, 'Host');
    const bob = await connect();
    const bobJoined = await bob.join(room, 'Bob');
    const carl = await connect();
    await carl.join(room, 'Carl');
    const closed = once(bob.socket, 'close');
    assert.equal(codeOf(await host.request({ type: 'remove', peerId: bobJoined.selfId })), 'ok');
    assert.match((await bob.next('removed')).message, /Host removed you/);
    const [code] = (await closed) as [number];
    assert.equal(code, 4001);
    assert.deepEqual(await carl.next('peer-left'), { type: 'peer-left', peerId: bobJoined.selfId, reason: 'removed' });
    assert.equal((await host.next('peer-left')).reason, 'removed');
    const back = await connect();
    const resumed = await back.request({ type: 'resume', resumeToken: bobJoined.resumeToken, protocolVersion: PROTOCOL_VERSION });
    assert.equal(codeOf(resumed), 'removed');
    assert.match(resumed.type === 'error' ? resumed.message : '', /removed/);
    assert.equal(server.registry.get(room)?.size, 2);
  });

  it('removes a participant whose connection is down (suspended): it cannot resume', async () => {
    const room = newRoom();
    const host = await connect();
    await host.join(room, 'Host');
    const bob = await connect();
    const bobJoined = await bob.join(room, 'Bob');
    bob.socket.terminate();
    while (server.signaling.connectionCount > clients.filter((c) => c.socket.readyState === c.socket.OPEN).length) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal(codeOf(await host.request({ type: 'remove', peerId: bobJoined.selfId })), 'ok');
    assert.equal((await host.next('peer-left')).reason, 'removed');
    const back = await connect();
    assert.equal(codeOf(await back.request({ type: 'resume', resumeToken: bobJoined.resumeToken, protocolVersion: PROTOCOL_VERSION })), 'removed');
  });

  it('admitted members and hosts resume as before: a host keeps its role and sees who is waiting', async () => {
    const { room, host } = await hostedRoom();
    const bob = await knock(room, 'Bob', host);
    await host.request({ type: 'admit', peerId: bob.id });
    const bobJoined = await bob.client.next('joined');
    // Bob's connection drops and comes back: no second knock.
    bob.client.socket.terminate();
    await once(bob.client.socket, 'close');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const bobBack = await connect();
    const resumed = await bobBack.request({ type: 'resume', resumeToken: bobJoined.resumeToken, protocolVersion: PROTOCOL_VERSION });
    assert.equal(resumed.type === 'joined' && resumed.resumed, true);
    assert.equal(resumed.type === 'joined' && resumed.role, 'guest');
    // The host drops while someone knocks, and comes back still a host, with the knock listed.
    const hostJoined = host.ofType('joined')[0];
    assert.ok(hostJoined);
    host.socket.terminate();
    await once(host.socket, 'close');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const knocker = await connect();
    assert.equal((await knocker.tryJoin({ room, name: 'Dora' })).type, 'lobby-waiting');
    const hostBack = await connect();
    const hostResumed = await hostBack.request({ type: 'resume', resumeToken: hostJoined.resumeToken, protocolVersion: PROTOCOL_VERSION });
    assert.equal(hostResumed.type === 'joined' && hostResumed.role, 'host');
    assert.deepEqual(hostResumed.type === 'joined' && hostResumed.waiting?.map((w) => w.name), ['Dora']);
    assert.equal(codeOf(await hostBack.request({ type: 'admit', peerId: hostResumed.type === 'joined' ? (hostResumed.waiting?.[0]?.id ?? '') : '' })), 'ok');
    assert.equal((await knocker.next('joined')).peers.length, 2);
  });
});
