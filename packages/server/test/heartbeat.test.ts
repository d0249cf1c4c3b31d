import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { HEARTBEAT_VISITS_PER_INTERVAL, heartbeatTiming, livenessVerdict, nextLookAt, type LivenessFacts } from '@parley/server';
import { startTestServer } from './support/server.js';
import { TestClient } from './support/TestClient.js';

const INTERVAL = 5000;
const timing = heartbeatTiming(INTERVAL);
const facts = (over: Partial<LivenessFacts>): LivenessFacts => ({ now: 100_000, lastHeardAt: 100_000, pingSentAt: undefined, lastPingAt: 0, unacknowledged: false, ...over });

describe('heartbeat verdicts', () => {
  it('pings only a silent connection, and drops only one that left a ping unanswered with nothing heard since', () => {
    const now = 100_000;
    const cases: [string, Partial<LivenessFacts>, string][] = [
      ['heard just now', {}, 'wait'],
      ['silent 6.9 s', { lastHeardAt: now - 6900 }, 'wait'],
      ['silent 7 s', { lastHeardAt: now - 7000 }, 'ping'],
      ['pinged 3.9 s ago, no answer yet', { lastHeardAt: now - 11_000, pingSentAt: now - 3900 }, 'wait'],
      ['pinged 4 s ago, nothing since', { lastHeardAt: now - 11_000, pingSentAt: now - 4000 }, 'drop'],
      ['pinged 4 s ago, a message since but no pong', { lastHeardAt: now - 1000, pingSentAt: now - 4000 }, 'ping'],
      ['pushes unacknowledged, last ping 1.25 s ago', { unacknowledged: true, lastPingAt: now - 1250 }, 'ping'],
      ['pushes unacknowledged, last ping 1 s ago', { unacknowledged: true, lastPingAt: now - 1000 }, 'wait'],
      ['pushes unacknowledged, a ping in flight', { unacknowledged: true, pingSentAt: now - 100, lastPingAt: now - 100 }, 'wait'],
    ];
    for (const [what, over, expected] of cases) assert.equal(livenessVerdict(facts(over), timing), expected, what);
  });

  it('is never asked again before something could change, and is asked again as soon as it could', () => {
    // Every combination of these times, seen from a "now" where the verdict is `wait`.
    const times = [0, 500, 1000, 1250, 3999, 4000, 6500, 7000, 9000];
    let checked = 0;
    for (const lastHeardAt of times) {
      for (const pingSentAt of [undefined, ...times]) {
        for (const lastPingAt of [0, ...times]) {
          for (const unacknowledged of [false, true]) {
            const base = { lastHeardAt, pingSentAt, lastPingAt, unacknowledged };
            const due = nextLookAt(base, timing);
            const start = Math.max(lastHeardAt, pingSentAt ?? 0, lastPingAt);
            for (let now = start; now < due; now += 250) assert.equal(livenessVerdict({ ...base, now }, timing), 'wait', `${JSON.stringify(base)} at ${now}, due ${due}`);
            if (due >= start) assert.notEqual(livenessVerdict({ ...base, now: due }, timing), 'wait', `${JSON.stringify(base)} at its due time ${due}`);
            checked++;
          }
        }
      }
    }
    console.log(`# the next look never comes too late nor needlessly early, in ${checked} combinations`);
  });

  it('drops a vanished client within 2.4 intervals of its last word (12 s at 5 s), visited every tenth of one', () => {
    // Simulated clock: the client's last word comes just after a visit, the worst case.
    const visitEvery = INTERVAL / HEARTBEAT_VISITS_PER_INTERVAL;
    const lastWord = 1;
    let pingSentAt: number | undefined;
    let lastPingAt = 0;
    let droppedAt: number | undefined;
    for (let now = 0; now < 60_000 && droppedAt === undefined; now += visitEvery) {
      const verdict = livenessVerdict({ now, lastHeardAt: lastWord, pingSentAt, lastPingAt, unacknowledged: false }, timing);
      if (verdict === 'ping') [pingSentAt, lastPingAt] = [now, now];
      if (verdict === 'drop') droppedAt = now;
    }
    assert.ok(droppedAt !== undefined && droppedAt - lastWord <= 2.4 * INTERVAL, `dropped ${droppedAt} ms after the last word`);
    console.log(`# a vanished client is dropped ${droppedAt - lastWord} ms after its last word (interval ${INTERVAL} ms)`);
  });
});

describe('heartbeat on a real server', () => {
  it('does not ping a client that keeps talking, pings one that falls silent, and its pong releases what was kept for a resume', async () => {
    const server = await startTestServer({ heartbeatIntervalMs: 200 });
    try {
      const ada = await TestClient.joined(server.wsUrl, 'beat', 'Ada');
      const bob = await TestClient.joined(server.wsUrl, 'beat', 'Bob');
      const pingsTo = (client: TestClient) => {
        const payloads: string[] = [];
        client.socket.on('ping', (data: Buffer) => payloads.push(data.toString()));
        return payloads;
      };
      const adaPings = pingsTo(ada.client);
      const bobPings = pingsTo(bob.client);
      // Ada talks every 100 ms (half the interval) for 1.2 s; Bob says nothing; Ada's signals are pushes to Bob.
      for (let i = 0; i < 12; i++) {
        await ada.client.request({ type: 'signal', to: bob.joined.selfId, signal: { candidate: { candidate: `candidate:${i}` } } });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await bob.client.settle();
      assert.equal(bob.client.ofType('signal').length, 12);
      // Bob's pongs echo the number of the last push before each ping: they only go forward, up to his last push.
      const echoed = bobPings.map(Number);
      assert.ok(echoed.length >= 2, `Bob was pinged ${echoed.length} times`);
      assert.deepEqual([...echoed].sort((a, b) => a - b), echoed);
      assert.ok(echoed.every((seq) => Number.isInteger(seq) && seq <= bob.client.lastSeq));
      // Ada was heard every 100 ms and had nothing to acknowledge beyond her own join: at most a ping for that.
      assert.ok(adaPings.length <= 1, `Ada, who kept talking, was pinged ${adaPings.length} times`);
      console.log(`# 1.2 s at a 200 ms interval: the talking client got ${adaPings.length} pings, the silent one receiving 12 pushes ${bobPings.length} (echoing ${echoed.join(', ')})`);
      await Promise.all([ada.client.close(), bob.client.close()]);
    } finally {
      await server.close();
    }
  });

  it('drops a client that stops answering pings within 2.4 intervals of its last word', async () => {
    const server = await startTestServer({ heartbeatIntervalMs: 200 });
    try {
      const silent = await TestClient.connect(server.wsUrl, { autoPong: false });
      await silent.join('beat-silent', 'Silent');
      const lastWord = Date.now();
      await once(silent.socket, 'close');
      const after = Date.now() - lastWord;
      // 2.4 intervals, with the timer's own slack on a loaded machine.
      assert.ok(after <= 2.4 * 200 + 200, `dropped ${after} ms after its last word`);
      assert.ok(after >= (1.4 + 0.8) * 200 - 20, `dropped only ${after} ms after its last word: it was never given a ping to answer`);
      console.log(`# a client that never answers pings was dropped ${after} ms after its last word (interval 200 ms)`);
    } finally {
      await server.close();
    }
  });
});
