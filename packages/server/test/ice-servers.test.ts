import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ConfigError, iceServerProvider, loadConfig, turnRestCredential } from '@parley/server';
import { startTestServer } from './support/server.js';
import { TestClient } from './support/TestClient.js';

const SECRET = 'a-shared-secret-of-enough-length';

describe('TURN REST credentials', () => {
  it('are <expiry>:<participant> with base64(HMAC-SHA1(secret, username)) as password', () => {
    const now = Date.UTC(2026, 10, 22, 12, 0, 0);
    const { username, credential } = turnRestCredential(SECRET, 'p1', 3600, now);
    assert.equal(username, `${now / 1000 + 3600}:p1`);
    assert.equal(credential, createHmac('sha1', SECRET).update(username).digest('base64'));
  });

  it('are made per participant, after the STUN servers, with their lifetime', () => {
    const provide = iceServerProvider({
      stunUrls: ['stun:stun.example:3478'],
      turnUrls: ['turn:turn.example:3478?transport=udp', 'turns:turn.example:5349'],
      turnSecret: SECRET,
      turnTtlSeconds: 600,
    });
    const grant = provide('abc');
    assert.equal(grant.validForMs, 600_000);
    assert.deepEqual(grant.iceServers[0], { urls: ['stun:stun.example:3478'] });
    assert.match(grant.iceServers[1]?.username ?? '', /^\d+:abc$/);
    assert.notEqual(provide('xyz').iceServers[1]?.credential, grant.iceServers[1]?.credential);
  });

  it('cannot be configured without a secret, or with a short one', () => {
    assert.throws(() => loadConfig([], { TURN_URLS: 'turn:t.example:3478' }), ConfigError);
    assert.throws(() => loadConfig([], { TURN_URLS: 'turn:t.example:3478', TURN_SECRET: 'short' }), /at least 16/);
    assert.throws(() => loadConfig([], { TURN_URLS: 'http://t.example' , TURN_SECRET: SECRET }), /not a turn: or turns: URL/);
  });
});

describe('ICE servers over signaling', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    server = await startTestServer({ turnUrls: ['turn:127.0.0.1:3478'], turnSecret: SECRET, turnTtlSeconds: 300 });
  });
  after(() => server.close());

  it('hands each participant its own credential at join and fresh ones on request, never the secret', async () => {
    const { client, joined } = await TestClient.joined(server.wsUrl, 'ice', 'Ada');
    assert.equal(joined.iceServersValidForMs, 300_000);
    const turn = joined.iceServers.find((s) => String(s.urls).startsWith('turn:'));
    assert.match(turn?.username ?? '', new RegExp(`^\\d+:${joined.selfId}$`));
    const reply = await client.request({ type: 'ice-servers' });
    assert.equal(reply.type, 'ice-servers');
    assert.equal(reply.type === 'ice-servers' && reply.iceServersValidForMs, 300_000);
    for (const message of client.received) assert.ok(!JSON.stringify(message).includes(SECRET));
    await client.close();

    const outsider = await TestClient.connect(server.wsUrl);
    const refused = await outsider.request({ type: 'ice-servers' });
    assert.equal(refused.type === 'error' && refused.code, 'not-joined');
    await outsider.close();
  });
});
