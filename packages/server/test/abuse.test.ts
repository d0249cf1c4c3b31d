import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { PROTOCOL_VERSION } from '@parley/protocol';
import { ConnectionQuota } from '@parley/server';
import { startTestServer } from './support/server.js';
import { TestClient } from './support/TestClient.js';

/** Resolves with the close code and the messages received before it. */
async function closedWith(socket: WebSocket): Promise<{ code: number; messages: { type: string; code?: string }[] }> {
  const messages: { type: string; code?: string }[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(data.toString()) as { type: string; code?: string }));
  const [code] = (await once(socket, 'close')) as [number];
  return { code, messages };
}

describe('limits on what one client may hold', () => {
  it('counts connections per address and frees them on close', () => {
    const quota = new ConnectionQuota(2);
    assert.equal(quota.acquire('10.0.0.1'), true);
    assert.equal(quota.acquire('10.0.0.1'), true);
    assert.equal(quota.acquire('10.0.0.1'), false, 'a third from the same address');
    assert.equal(quota.acquire('10.0.0.2'), true, 'another address is unaffected');
    quota.release('10.0.0.1');
    assert.equal(quota.acquire('10.0.0.1'), true);
    assert.equal(new ConnectionQuota(0).acquire('x'), true, '0 is no limit');
  });

  it('refuses connections past MAX_CONNECTIONS_PER_IP with too-many-connections, and takes new ones once some close', async () => {
    const server = await startTestServer({ maxConnectionsPerIp: 3 });
    try {
      const held = await Promise.all([1, 2, 3].map(() => TestClient.connect(server.wsUrl)));
      const fourth = new WebSocket(server.wsUrl);
      const { code, messages } = await closedWith(fourth);
      assert.equal(code, 1008);
      assert.deepEqual(messages.map((m) => m.code), ['too-many-connections']);
      // The three held ones still work.
      assert.equal((await held[0]!.join('quota-room', 'Ada')).type, 'joined');

      await held[2]!.close();
      const again = await TestClient.connect(server.wsUrl);
      assert.equal((await again.join('quota-room', 'Bob')).type, 'joined', 'a freed slot is usable');
      await Promise.all([held[0]!.close(), held[1]!.close(), again.close()]);
    } finally {
      await server.close();
    }
  });

  it('behind a trusted proxy, counts the address the proxy appended to X-Forwarded-For', async () => {
    const server = await startTestServer({ maxConnectionsPerIp: 1, trustProxy: true });
    try {
      const from = (address: string) => TestClient.connect(server.wsUrl, { headers: { 'X-Forwarded-For': `1.2.3.4, ${address}` } });
      const first = await from('198.51.100.7');
      const second = await from('198.51.100.8');
      const { code } = await closedWith(new WebSocket(server.wsUrl, { headers: { 'X-Forwarded-For': '198.51.100.7' } }));
      assert.equal(code, 1008, 'the same client address again is over the limit');
      await Promise.all([first.close(), second.close()]);
    } finally {
      await server.close();
    }
  });

  it('closes a connection that joins no room within JOIN_TIMEOUT_MS, and one that left and lingers', async () => {
    const server = await startTestServer({ joinTimeoutMs: 1000, heartbeatIntervalMs: 200 });
    try {
      const idle = new WebSocket(server.wsUrl);
      const started = Date.now();
      const { code, messages } = await closedWith(idle);
      const waited = Date.now() - started;
      assert.equal(code, 1008);
      assert.deepEqual(messages.map((m) => m.code), ['join-timeout']);
      assert.ok(waited >= 1000 && waited < 2000, `closed after ${waited} ms`);
      console.log(`# a socket that never joined was closed after ${waited} ms (timeout 1000 ms)`);

      const member = await TestClient.joined(server.wsUrl, 'timeout-room', 'Ada');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(member.client.socket.readyState, WebSocket.OPEN, 'a member is never timed out');
      assert.equal((await member.client.request({ type: 'leave' })).type, 'ok');
      const afterLeave = await closedWith(member.client.socket);
      assert.equal(afterLeave.code, 1008, 'after leaving, the connection is roomless again');
    } finally {
      await server.close();
    }
  });

  it('gives join, media and ice-servers budgets of their own, answered by id', async () => {
    const server = await startTestServer();
    try {
      const ada = await TestClient.joined(server.wsUrl, 'budget-room', 'Ada');
      const replies = [];
      for (let i = 0; i < 10; i++) replies.push(await ada.client.request({ type: 'ice-servers' }));
      const refused = replies.filter((r) => r.type === 'error' && r.code === 'rate-limited').length;
      assert.equal(replies.filter((r) => r.type === 'ice-servers').length, 5, 'the burst of five');
      assert.equal(refused, 5, 'the rest refused by id');

      const joins = [];
      const bob = await TestClient.connect(server.wsUrl);
      for (let i = 0; i < 8; i++) joins.push(await bob.request({ type: 'join', room: '!', name: 'Bob', protocolVersion: PROTOCOL_VERSION }));
      // A bad room name is refused by the schema before the budget: the budget is for joins the server works on.
      assert.ok(joins.every((r) => r.type === 'error' && r.code === 'bad-room-name'));
      const tries = [];
      for (let i = 0; i < 8; i++) tries.push(await bob.request({ type: 'join', room: `full-${i}`, name: 'Bob', protocolVersion: 999 }));
      assert.deepEqual(
        tries.map((r) => (r.type === 'error' ? r.code : r.type)),
        [...Array(5).fill('unsupported-protocol'), ...Array(3).fill('rate-limited')],
      );
      // Signals are not held back by those budgets.
      const cyd = await TestClient.joined(server.wsUrl, 'budget-room', 'Cyd');
      assert.equal((await ada.client.request({ type: 'signal', to: cyd.joined.selfId, signal: { candidate: { candidate: 'c' } } })).type, 'ok');
      await Promise.all([ada.client.close(), bob.close(), cyd.client.close()]);
    } finally {
      await server.close();
    }
  });
});
