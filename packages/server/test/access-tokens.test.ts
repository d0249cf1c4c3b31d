import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT, UnsecuredJWT } from 'jose';
import { PROTOCOL_VERSION } from '@parley/protocol';
import { startTestServer } from './support/server.js';
import { TestClient } from './support/TestClient.js';

const SECRET = 'a-jwt-secret-for-tests-that-is-32-chars-or-more';
const OTHER_SECRET = 'another-secret-nobody-gave-to-this-server-at-all';

interface Claims {
  room?: string;
  name?: string;
  role?: string;
}

/** Signs a room token the way an embedding product would. */
async function token(claims: Claims, options: { secret?: string; expiresIn?: string | number; alg?: string } = {}): Promise<string> {
  const jwt = new SignJWT({ ...claims }).setProtectedHeader({ alg: options.alg ?? 'HS256' }).setIssuedAt();
  if (options.expiresIn !== undefined) jwt.setExpirationTime(options.expiresIn);
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

function codeOf(reply: { type: string; code?: string }): string {
  return reply.type === 'error' ? (reply.code ?? '') : reply.type;
}

describe('room tokens (JWT) for embedding', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  const clients: TestClient[] = [];
  let counter = 0;
  const newRoom = () => `jwt-${++counter}`;
  const connect = async () => {
    const client = await TestClient.connect(server.wsUrl);
    clients.push(client);
    return client;
  };

  before(async () => {
    server = await startTestServer({ jwtSecret: SECRET, resumeWindowMs: 2000 });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server.close();
  });

  it('lets a valid token in under the name it carries, whatever name the join says', async () => {
    const room = newRoom();
    const ada = await connect();
    const joined = await ada.join(room, 'Mallory', { token: await token({ room, name: 'Ada Lovelace' }, { expiresIn: '5m' }) });
    assert.equal(joined.role, 'host', 'no role claim: the creator hosts');
    const bob = await connect();
    const bobJoined = await bob.tryJoin({ room, token: await token({ room, name: 'Bob' }, { expiresIn: '5m' }) });
    assert.equal(bobJoined.type === 'joined' && bobJoined.peers[0]?.name, 'Ada Lovelace');
    assert.equal(bobJoined.type === 'joined' && bobJoined.role, 'guest');
    assert.equal((await ada.next('peer-joined')).peer.name, 'Bob');
  });

  it('refuses every join without a valid token for that room, and each refusal changes nothing', async () => {
    const room = newRoom();
    const other = newRoom();
    const owner = await connect();
    await owner.join(room, 'x', { token: await token({ room, name: 'Owner' }, { expiresIn: '5m' }) });
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      ['no token', { room, name: 'Eve' }, 'token-required', /room token/],
      ['signed with another secret', { room, token: await token({ room, name: 'Eve' }, { secret: OTHER_SECRET, expiresIn: '5m' }) }, 'bad-token', /secret/],
      ['expired', { room, token: await token({ room, name: 'Eve' }, { expiresIn: Math.floor(Date.now() / 1000) - 120 }) }, 'bad-token', /expired/],
      ['no expiry', { room, token: await token({ room, name: 'Eve' }) }, 'bad-token', /exp/],
      ['for room A, used on room B', { room: other, token: await token({ room, name: 'Eve' }, { expiresIn: '5m' }) }, 'bad-token', /another room/],
      ['no room claim', { room, token: await token({ name: 'Eve' }, { expiresIn: '5m' }) }, 'bad-token', /room/],
      ['a name with control characters', { room, token: await token({ room, name: 'E\u0007ve' }, { expiresIn: '5m' }) }, 'bad-token', /name/],
      ['an unknown role', { room, token: await token({ room, name: 'Eve', role: 'admin' }, { expiresIn: '5m' }) }, 'bad-token', /role/],
      ['HS512 instead of HS256', { room, token: await token({ room, name: 'Eve' }, { alg: 'HS512', expiresIn: '5m' }) }, 'bad-token', /HS256/],
      ['alg none', { room, token: `${new UnsecuredJWT({ room, name: 'Eve' }).setExpirationTime('5m').encode()}x` }, 'bad-token', /./],
      ['not a JWT at all', { room, token: 'hello' }, 'bad-token', /JWT/],
    ];
    const seen: string[] = [];
    for (const [label, fields, code, message] of cases) {
      // A connection per attempt: one connection's join budget (5 at once) is not what this tests.
      const reply = await (await connect()).tryJoin(fields);
      assert.equal(codeOf(reply), code, label);
      assert.match(reply.type === 'error' ? reply.message : '', message, label);
      seen.push(`${label} → ${code}`);
    }
    assert.equal(server.registry.get(room)?.size, 1);
    assert.equal(server.registry.get(other), undefined, 'a token for room A did not create room B');
    await owner.settle();
    assert.equal(owner.ofType('peer-joined').length, 0);
    console.log(`# ${cases.length} bad tokens refused: ${seen.join('; ')}`);
  });

  it('a token with role host hosts (skipping the lobby); role guest does not, even for the creator', async () => {
    const room = newRoom();
    const guest = await connect();
    const first = await guest.join(room, 'x', { token: await token({ room, name: 'Early guest', role: 'guest' }, { expiresIn: '5m' }), lobby: true });
    assert.equal(first.role, 'guest');
    assert.equal(codeOf(await guest.request({ type: 'set-lobby', enabled: false })), 'not-host');
    const host = await connect();
    const hosted = await host.join(room, 'x', { token: await token({ room, name: 'Host', role: 'host' }, { expiresIn: '5m' }) });
    assert.equal(hosted.role, 'host', 'the lobby held no host back');
    assert.deepEqual(hosted.waiting, []);
    const late = await connect();
    assert.equal(codeOf(await late.tryJoin({ room, token: await token({ room, name: 'Late' }, { expiresIn: '5m' }) })), 'lobby-waiting');
    assert.equal((await host.next('knock')).peer.name, 'Late');
  });

  it('a removed participant cannot come back with the same room token or resume token, and is told why', async () => {
    const room = newRoom();
    const host = await connect();
    await host.join(room, 'x', { token: await token({ room, name: 'Host' }, { expiresIn: '5m' }) });
    const bobToken = await token({ room, name: 'Bob' }, { expiresIn: '5m' });
    const bob = await connect();
    const bobJoined = await bob.join(room, 'x', { token: bobToken });
    assert.equal(codeOf(await host.request({ type: 'remove', peerId: bobJoined.selfId })), 'ok');
    assert.match((await bob.next('removed')).message, /removed you/);
    const again = await connect();
    const rejoin = await again.tryJoin({ room, token: bobToken });
    assert.equal(codeOf(rejoin), 'removed');
    const resume = await again.request({ type: 'resume', resumeToken: bobJoined.resumeToken, protocolVersion: PROTOCOL_VERSION });
    assert.equal(codeOf(resume), 'removed');
    // A token for another room still works for that room: the removal is for this room.
    const elsewhere = newRoom();
    assert.equal((await again.join(elsewhere, 'x', { token: await token({ room: elsewhere, name: 'Bob' }, { expiresIn: '5m' }) })).role, 'host');
  });
});
