import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { ParleyProcess } from '@parley/testbed';
import { startTestServer } from './support/server.js';
import { TestClient } from './support/TestClient.js';

/** The value of one sample line of Prometheus text, e.g. `parley_joins_total{kind="join"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('operations', () => {
  it('says alive on /healthz and ready on /readyz; while draining, /readyz is 503 and new sockets are refused', async () => {
    const server = await startTestServer({ drainDelayMs: 400 });
    const ada = await TestClient.joined(server.wsUrl, 'drain-room', 'Ada');
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);

    const closed = once(ada.client.socket, 'close');
    const shutdown = server.shutdown();
    assert.equal((await fetch(`${server.url}/readyz`)).status, 503);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'still alive while draining');
    const refused = new WebSocket(server.wsUrl);
    const [, response] = (await once(refused, 'unexpected-response')) as [unknown, { statusCode: number }];
    assert.equal(response.statusCode, 503);
    assert.equal(ada.client.socket.readyState, WebSocket.OPEN, 'open connections go on during the drain delay');

    const [code] = (await closed) as [number];
    assert.equal(code, 1001, 'then closed as going away: the client resumes elsewhere');
    assert.equal(ada.client.ofType('peer-left').length, 0);
    await shutdown;
  });

  it('serves Prometheus metrics on a port of its own, not on the public one', async () => {
    const server = await startTestServer({ metricsPort: 0 });
    assert.equal(server.metricsUrl, undefined, 'off by default');
    assert.equal((await fetch(`${server.url}/metrics`)).status, 404);
    await server.close();

    // Port 0 means off, so ask for a real free port by starting on one and reusing it.
    const probe = await startTestServer();
    const freePort = probe.port;
    await probe.close();
    const metered = await startTestServer({ metricsPort: freePort, metricsHost: '127.0.0.1' });
    try {
      assert.equal((await fetch(`${metered.url}/metrics`)).status, 404, 'not on the public port');
      const ada = await TestClient.joined(metered.wsUrl, 'metrics-room', 'Ada');
      const bob = await TestClient.joined(metered.wsUrl, 'metrics-room', 'Bob');
      await ada.client.request({ type: 'signal', to: bob.joined.selfId, signal: { candidate: { candidate: 'c' } } });
      await ada.client.request({ type: 'signal', to: 'nobody', signal: { candidate: { candidate: 'c' } } });
      await ada.client.request({ type: 'media', media: { micMuted: true, cameraOff: false } });

      const response = await fetch(`${metered.metricsUrl}/metrics`);
      assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
      const text = await response.text();
      assert.equal(sample(text, 'parley_connections'), 2);
      assert.equal(sample(text, 'parley_rooms'), 1);
      assert.equal(sample(text, 'parley_participants'), 2);
      assert.equal(sample(text, 'parley_joins_total{kind="join"}'), 2);
      assert.equal(sample(text, 'parley_messages_relayed_total{type="signal"}'), 1);
      assert.equal(sample(text, 'parley_messages_relayed_total{type="media"}'), 1);
      assert.equal(sample(text, 'parley_refusals_total{code="not-in-room"}'), 1);
      assert.equal(sample(text, 'parley_relay_seconds_count{type="signal"}'), 1);
      assert.ok((sample(text, 'parley_process_resident_memory_bytes') ?? 0) > 0, "Node's default metrics");
      await Promise.all([ada.client.close(), bob.client.close()]);
    } finally {
      await metered.close();
    }
  });

  it('on SIGTERM closes every connection with 1001, tells nobody anyone left, and exits 0 within the bound', async () => {
    const server = await ParleyProcess.start({ LOG_LEVEL: 'error', SHUTDOWN_TIMEOUT_MS: '3000' });
    const wsUrl = `${server.url.replace('http', 'ws')}/ws`;
    const ada = await TestClient.joined(wsUrl, 'sigterm-room', 'Ada');
    const bob = await TestClient.joined(wsUrl, 'sigterm-room', 'Bob');
    const started = Date.now();
    const exited = once(server.child, 'exit');
    const closes = [once(ada.client.socket, 'close'), once(bob.client.socket, 'close')];
    process.kill(server.child.pid as number, 'SIGTERM');
    const codes = (await Promise.all(closes)).map(([code]) => code as number);
    const [exitCode] = (await exited) as [number];
    const tookMs = Date.now() - started;
    console.log(`# SIGTERM: sockets closed with ${codes.join(', ')}, exit ${exitCode} after ${tookMs} ms`);
    assert.deepEqual(codes, [1001, 1001]);
    assert.equal(exitCode, 0);
    assert.ok(tookMs < 3000, `exited after ${tookMs} ms`);
    assert.equal(ada.client.ofType('peer-left').length + bob.client.ofType('peer-left').length, 0);
  });
});
