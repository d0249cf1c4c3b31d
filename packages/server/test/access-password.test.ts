import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PROTOCOL_VERSION } from '@parley/protocol';
import { PASSWORD_ATTEMPTS } from '@parley/server';
import { startTestServer } from './support/server.js';
import { TestClient } from './support/TestClient.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;

/** Refusals are `error` replies; this names the code (or the type when it was not refused). */
function codeOf(reply: { type: string; code?: string }): string {
  return reply.type === 'error' ? (reply.code ?? '') : reply.type;
}

describe('room passwords', () => {
  let server: Server;
  const clients: TestClient[] = [];
  let counter = 0;
  const newRoom = () => `pw-${++counter}`;
  /** Every client from its own loopback address unless told, so address limits do not leak between tests. */
  let nextHost = 10;
  const connect = async (localAddress = `127.0.0.${nextHost++}`) => {
    const client = await TestClient.connect(server.wsUrl, { localAddress });
    clients.push(client);
    return client;
  };

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server.close();
  });

  it('the creator sets it; a join without it or with a wrong one is refused with its own code and changes nothing', async () => {
    const room = newRoom();
    const ada = await connect();
    let started = performance.now();
    const created = await ada.join(room, 'Ada', { password: 'correct horse' });
    const createMs = performance.now() - started;
    assert.equal(created.passwordProtected, true);
    assert.equal(created.role, 'host');

    const bob = await connect();
    assert.equal(codeOf(await bob.tryJoin({ room, name: 'Bob' })), 'password-required');
    started = performance.now();
    const wrong = await bob.tryJoin({ room, name: 'Bob', password: 'Correct horse' });
    const wrongMs = performance.now() - started;
    assert.equal(codeOf(wrong), 'wrong-password');
    assert.equal(server.registry.get(room)?.size, 1, 'refused joins added nobody');
    await ada.settle();
    assert.equal(ada.ofType('peer-joined').length, 0, 'and told nobody');

    // The refused connection may try again, and the right password opens the room.
    started = performance.now();
    const joined = await bob.join(room, 'Bob', { password: 'correct horse' });
    const rightMs = performance.now() - started;
    assert.equal(joined.role, 'guest');
    assert.equal(joined.passwordProtected, true);
    assert.equal((await ada.next('peer-joined')).peer.name, 'Bob');
    console.log(`# join creating a password room ${createMs.toFixed(0)} ms, wrong password ${wrongMs.toFixed(0)} ms, right ${rightMs.toFixed(0)} ms (scrypt N=2^14)`);
  });

  it('keeps serving other rooms while a password is hashed (the hash runs off the event loop)', async () => {
    const room = newRoom();
    await (await connect()).join(room, 'Ada', { password: 'p' });
    const other = newRoom();
    const carl = await connect();
    await carl.join(other, 'Carl');
    const dan = await connect();
    const danId = (await dan.join(other, 'Dan')).selfId;
    const bob = await connect();
    const order: string[] = [];
    const started = performance.now();
    const slow = bob.tryJoin({ room, name: 'Bob', password: 'p' }).then((reply) => {
      order.push('join');
      return reply;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const relayed = await carl.request({ type: 'signal', to: danId, signal: { candidate: { candidate: '' } } });
    const relayMs = performance.now() - started;
    order.push('relay');
    assert.equal(relayed.type, 'ok');
    assert.equal((await slow).type, 'joined');
    const joinMs = performance.now() - started;
    assert.deepEqual(order, ['relay', 'join'], 'the relay did not wait for the hash');
    console.log(`# a signal relayed after ${relayMs.toFixed(1)} ms while a password join took ${joinMs.toFixed(0)} ms`);
  });

  it('answers in the order of requests: what follows a join being checked waits for it', async () => {
    const room = newRoom();
    await (await connect()).join(room, 'Ada', { password: 'p' });
    const bob = await connect();
    bob.send({ type: 'join', id: 1, room, name: 'Bob', password: 'p', protocolVersion: PROTOCOL_VERSION });
    bob.send({ type: 'media', id: 2, media: { micMuted: true, cameraOff: false } });
    bob.send({ type: 'probe', id: 3 });
    await bob.waitFor((m) => 'id' in m && m.id === 3);
    assert.deepEqual(
      bob.received.filter((m) => 'id' in m).map((m) => `${'id' in m ? m.id : ''}:${m.type === 'error' ? m.code : m.type}`),
      ['1:joined', '2:ok', '3:unknown-type'],
      'the media change was made as a member, after the join',
    );
  });

  it(`refuses after ${PASSWORD_ATTEMPTS} wrong passwords a minute from one address, and for one room from anywhere`, async () => {
    const roomA = newRoom();
    const roomB = newRoom();
    const ownerA = await connect();
    await ownerA.join(roomA, 'Owner A', { password: 'alpha' });
    const ownerB = await connect();
    await ownerB.join(roomB, 'Owner B', { password: 'bravo' });

    // A connection per attempt, all from one address: one connection's join budget is not what this tests.
    const guess = async (room: string, password: string, from = '127.0.0.2') => {
      const reply = await (await connect(from)).tryJoin({ room, name: 'Eve', password });
      return { code: codeOf(reply), message: reply.type === 'error' ? reply.message : '' };
    };
    const replies = [];
    for (let i = 0; i < PASSWORD_ATTEMPTS + 2; i++) replies.push(await guess(roomA, `guess-${i}`));
    const codes = replies.map((reply) => reply.code);
    assert.deepEqual(codes, [...Array<string>(PASSWORD_ATTEMPTS).fill('wrong-password'), 'rate-limited', 'rate-limited']);
    assert.match(replies[PASSWORD_ATTEMPTS]?.message ?? '', /wrong passwords from your address/);
    // Limited by address: even the right password for another room is not tried from there.
    const fromSameAddress = await guess(roomB, 'bravo');
    assert.equal(fromSameAddress.code, 'rate-limited');
    assert.match(fromSameAddress.message, /from your address/);
    // Limited by room: another address cannot go on guessing room A, not even rightly, for now.
    const forSameRoom = await guess(roomA, 'alpha', '127.0.0.3');
    assert.equal(forSameRoom.code, 'rate-limited');
    assert.match(forSameRoom.message, /for this room/);
    // Room B and other addresses are untouched.
    const elsewhere = await connect('127.0.0.3');
    assert.equal((await elsewhere.join(roomB, 'Frank', { password: 'bravo' })).role, 'guest');
    assert.equal(server.registry.get(roomA)?.size, 1);
    console.log(`# wrong-password refusals before rate-limited: ${codes.indexOf('rate-limited')}`);
  });

  it('right passwords do not count towards the limit', async () => {
    const room = newRoom();
    const owner = await connect();
    await owner.join(room, 'Owner', { password: 'x' });
    for (let i = 0; i < PASSWORD_ATTEMPTS + 2; i++) {
      const client = await connect('127.0.0.4');
      assert.equal((await client.tryJoin({ room, name: `P${i}`, password: 'x' })).type, 'joined');
      await client.request({ type: 'leave' });
    }
  });

  it('two creators racing for one name: one room, one password; the other is refused', async () => {
    const room = newRoom();
    const [first, second] = await Promise.all([connect(), connect()]);
    const [a, b] = await Promise.all([
      first.tryJoin({ room, name: 'First', password: 'one' }),
      second.tryJoin({ room, name: 'Second', password: 'two' }),
    ]);
    const codes = [codeOf(a), codeOf(b)].sort();
    assert.deepEqual(codes, ['joined', 'wrong-password']);
    assert.equal(server.registry.get(room)?.size, 1);
  });

  it('a password outlives nobody: once the room is empty the name is free, and malformed passwords change nothing', async () => {
    const room = newRoom();
    const ada = await connect();
    await ada.join(room, 'Ada', { password: 'old' });
    await ada.request({ type: 'leave' });
    assert.equal(server.registry.get(room), undefined);
    const tooLong = await ada.tryJoin({ room, name: 'Ada', password: 'x'.repeat(129) });
    assert.equal(codeOf(tooLong), 'bad-message');
    assert.match(tooLong.type === 'error' ? tooLong.message : '', /password/);
    assert.equal(codeOf(await ada.tryJoin({ room, name: 'Ada', password: 42 })), 'bad-message');
    assert.equal(server.registry.get(room), undefined, 'no room was made by bad input');
    const reopened = await ada.join(room, 'Ada');
    assert.equal(reopened.passwordProtected, false);
  });

  it('a join that carries a password to an open room gets in, and is told the room has none', async () => {
    const room = newRoom();
    await (await connect()).join(room, 'Ada');
    const bob = await connect();
    const joined = await bob.join(room, 'Bob', { password: 'whatever' });
    assert.equal(joined.passwordProtected, false);
    assert.equal(joined.role, 'guest');
  });
});
