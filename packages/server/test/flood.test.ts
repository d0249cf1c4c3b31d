import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { RateLimiter } from '@parley/server';
import { startTestServer } from './support/server.js';
import { TestClient } from './support/TestClient.js';

describe('RateLimiter', () => {
  it('allows a burst, then the average', () => {
    const limiter = new RateLimiter(10, 5, 0);
    const first = Array.from({ length: 8 }, () => limiter.take(0));
    assert.deepEqual(first, [true, true, true, true, true, false, false, false]);
    assert.equal(limiter.take(100), true, 'one token back after 100 ms at 10/s');
    assert.equal(limiter.take(100), false);
    assert.equal(limiter.take(10_000), true, 'refills up to the burst, no further');
  });
});

describe('a flooding client', () => {
  it('is slowed, then cut off, while everyone else goes on', async () => {
    const server = await startTestServer({ rateLimitPerSecond: 50, rateLimitBurst: 100 });
    try {
      const ada = await TestClient.joined(server.wsUrl, 'flooded', 'Ada');
      const mallory = await TestClient.joined(server.wsUrl, 'flooded', 'Mallory');
      const bob = await TestClient.joined(server.wsUrl, 'elsewhere', 'Bob');
      const cyd = await TestClient.joined(server.wsUrl, 'elsewhere', 'Cyd');

      const closed = once(mallory.client.socket, 'close');
      const floodStarted = Date.now();
      const flood = JSON.stringify({ type: 'signal', to: ada.joined.selfId, signal: { candidate: { candidate: 'x' } } });
      for (let i = 0; i < 2000; i++) mallory.client.socket.send(flood);
      const [code] = (await closed) as [number];
      assert.equal(code, 1008);
      const told = mallory.client.ofType('error').filter((e) => e.code === 'rate-limited').length;
      const seconds = Math.ceil((Date.now() - floodStarted) / 1000);
      assert.ok(told >= 1 && told <= seconds + 1, `told ${told} times in ${seconds} s: at most once a second, not once per message`);

      // Ada got at most the burst plus what the rate allowed meanwhile, not the flood.
      await ada.client.settle();
      const delivered = ada.client.ofType('signal').length;
      assert.ok(delivered >= 100 && delivered < 300, `delivered ${delivered} of 2000`);

      // Others are undisturbed: a relay in another room, and Ada's own requests, still work.
      assert.equal((await bob.client.request({ type: 'signal', to: cyd.joined.selfId, signal: { candidate: { candidate: 'y' } } })).type, 'ok');
      assert.equal((await cyd.client.next('signal')).from, bob.joined.selfId);
      assert.equal((await ada.client.request({ type: 'media', media: { micMuted: true, cameraOff: false } })).type, 'ok');
      await Promise.all([ada.client.close(), bob.client.close(), cyd.client.close()]);
    } finally {
      await server.close();
    }
  });
});
