import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { decodeClientMessage } from '@parley/protocol';
import { ParleyProcess } from '@parley/testbed';
import type { CrowdOrders, CrowdReport } from './support/hostileCrowd.js';
import { hostileMessages } from './support/hostileMessages.js';
import { TestClient } from './support/TestClient.js';

const MAX_MESSAGE_BYTES = 64 * 1024;
/** The server's per-connection limit in this test; the fuzzing sockets keep under it, the flooder is ten times over. */
const RATE_LIMIT_PER_SECOND = 1000;
const LEGIT_PAIRS = 4;

function rssBytes(pid: number): number {
  const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(line?.[1] ?? 0) * 1024;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

describe('a hostile crowd while real calls go on', () => {
  let server: ParleyProcess;
  before(async () => {
    // Limits raised so the fuzz reaches the parser instead of stopping at the
    // rate limiter; the flooder still sends ten times what they allow.
    server = await ParleyProcess.start({
      LOG_LEVEL: 'error',
      RATE_LIMIT_PER_SECOND: String(RATE_LIMIT_PER_SECOND),
      RATE_LIMIT_BURST: String(RATE_LIMIT_PER_SECOND),
      MAX_CONNECTIONS_PER_IP: '0',
      MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
    });
  });
  after(async () => {
    await server.kill();
  });

  it('answers or drops every hostile message by design, cuts the flooder, keeps memory bounded and relays on time', async () => {
    const wsUrl = `${server.url.replace('http', 'ws')}/ws`;
    const pid = server.child.pid as number;

    // Real pairs in rooms of their own, relaying a signal every 20 ms and timing it.
    const latencies: number[] = [];
    const pairs = await Promise.all(
      Array.from({ length: LEGIT_PAIRS }, async (_, i) => {
        const room = `legit-room-${i}-${Date.now().toString(36)}`;
        const a = await TestClient.joined(wsUrl, room, `Ada ${i}`);
        const b = await TestClient.joined(wsUrl, room, `Bob ${i}`);
        b.client.socket.on('message', (data) => {
          const message = JSON.parse(data.toString()) as { type: string; signal?: { candidate?: { candidate: string } } };
          const sentAt = Number(message.signal?.candidate?.candidate.slice(2));
          if (message.type === 'signal' && Number.isFinite(sentAt)) latencies.push(performance.now() - sentAt);
        });
        return { a, b };
      }),
    );
    let relaying = true;
    const relay = (async () => {
      while (relaying) {
        for (const { a, b } of pairs) a.client.send({ type: 'signal', to: b.joined.selfId, signal: { candidate: { candidate: `t:${performance.now()}` } } });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    const baselineRss = rssBytes(pid);
    let peakRss = baselineRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssBytes(pid))), 250);

    const seed = Number(process.env.PARLEY_FUZZ_SEED ?? Date.now() % 1_000_000);
    const orders: CrowdOrders = {
      wsUrl,
      sockets: 10,
      messages: 20_000,
      seed,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      framesPerSecond: (RATE_LIMIT_PER_SECOND * 4) / 5,
      flood: { perSecond: 10_000, seconds: 10 },
    };
    const crowd = new Worker(new URL('./support/hostileCrowd.js', import.meta.url), { workerData: orders });
    const [report] = (await once(crowd, 'message')) as [CrowdReport];
    relaying = false;
    await relay;
    clearInterval(sampler);

    const { outcome, flood } = report;
    const sorted = [...latencies].sort((x, y) => x - y);
    const p99 = percentile(sorted, 99);
    console.log(
      `# fuzz seed ${seed}: ${report.messages} hostile messages from ${orders.sockets} sockets in ${report.fuzzSeconds.toFixed(1)} s — ` +
        `${outcome.answered} answered, ${outcome.silentByDesign} valid and silent by design, ` +
        `${outcome.closedOversized} oversized (closed 1009), ${outcome.closedFlooding} dropped with a flooding socket (1008), ${outcome.unexplained.length} unexplained`,
    );
    console.log(`# replies by code: ${Object.entries(outcome.codes).sort((x, y) => y[1] - x[1]).map(([code, n]) => `${code} ${n}`).join(', ')}`);
    console.log(`# flooder at ${orders.flood.perSecond}/s: ${flood.sent} sent, cut with ${flood.closeCode} after ${flood.cutAfterMs.toFixed(0)} ms`);
    console.log(`# legitimate relay: ${latencies.length} signals, p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${sorted.at(-1)?.toFixed(2)} ms`);
    console.log(`# server RSS ${mib(baselineRss)} MiB before, ${mib(peakRss)} MiB at peak`);

    assert.deepEqual(outcome.unexplained.slice(0, 5), [], 'every hostile message answered or dropped by design');
    assert.equal(outcome.closedOversized, 3, 'each oversized message closed its socket');
    assert.equal(flood.closeCode, 1008, 'the flooder is closed for flooding');
    assert.ok(flood.cutAfterMs < 2000, `flooder cut after ${flood.cutAfterMs.toFixed(0)} ms`);
    assert.ok(latencies.length > LEGIT_PAIRS * 10, 'legitimate signals were relayed throughout');
    assert.ok(p99 < 50, `legitimate relay p99 ${p99.toFixed(1)} ms`);
    assert.ok(peakRss - baselineRss < 150 * 2 ** 20, `server RSS grew by ${mib(peakRss - baselineRss)} MiB`);

    // Still up, still relaying, and every legitimate pair still in its room.
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    for (const { a, b } of pairs) {
      const reply = await a.client.request({ type: 'signal', to: b.joined.selfId, signal: { candidate: { candidate: 'after' } } });
      assert.equal(reply.type, 'ok');
    }
    await Promise.all(pairs.flatMap(({ a, b }) => [a.client.close(), b.client.close()]));
  });

  it('never lets a __proto__ key reach a prototype in the codec', () => {
    for (const { text } of hostileMessages(2000, 42, MAX_MESSAGE_BYTES)) {
      const decoded = decodeClientMessage(text);
      if (decoded.ok) assert.equal(Object.getPrototypeOf(decoded.message), Object.prototype);
    }
    assert.equal((Object.prototype as Record<string, unknown>)['polluted'], undefined);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});
