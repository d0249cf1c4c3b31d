import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { NodeBus, type NodeBusFlow, type NodeBusOptions, type NodeBusState } from '@parley/server';
import { RedisProcess } from '@parley/testbed';
import { freshKeys, sleep, until } from './support/cluster.js';

interface Received {
  body: string;
  from: string;
}

/** Every bus a test started, closed after the suite even when a test fails half-way. */
const opened: NodeBus[] = [];

/** A started bus that records what reaches it. */
async function node(redis: RedisProcess, nodeId: string, keys = freshKeys(), options: Partial<Omit<NodeBusOptions, 'redisUrl' | 'nodeId' | 'keys'>> = {}) {
  const bus = new NodeBus({ redisUrl: redis.url, nodeId, keys, blockMs: 200, ...options });
  opened.push(bus);
  const inbox: Received[] = [];
  const states: NodeBusState[] = [];
  const flows: NodeBusFlow[] = [];
  const gaps: number[] = [];
  const errors: Error[] = [];
  bus.on('message', (body, from) => inbox.push({ body, from }));
  bus.on('state', (state) => states.push(state));
  bus.on('flow', (flow) => flows.push(flow));
  bus.on('gap', (_from, missing) => gaps.push(missing));
  bus.on('error', (error) => errors.push(error));
  await bus.start();
  return { bus, inbox, states, flows, gaps, errors };
}

/** Numbers of the messages from `from`, in arrival order. */
function seqsFrom(inbox: Received[], from: string): number[] {
  return inbox.filter((m) => m.from === from).map((m) => Number(m.body.split(':')[1]));
}

function assertInOrderOnce(seqs: number[], count: number, what: string): void {
  assert.deepEqual(seqs, Array.from({ length: count }, (_, i) => i), `${what}: every message once, in order`);
}

describe('NodeBus: node-to-node messages over Redis Streams', () => {
  let redis: RedisProcess;
  before(async () => {
    redis = await RedisProcess.start();
  });
  after(async () => {
    redis.thaw();
    for (const bus of opened) await bus.close();
    await redis.stop();
  });

  it('delivers to the addressed node only, once, keeping each sender’s order among three senders', async () => {
    const keys = freshKeys();
    const nodes = await Promise.all(['a', 'b', 'c'].map((id) => node(redis, id, keys)));
    const [a, b, c] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
    const PER_SENDER = 300;
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < PER_SENDER; i++) {
      sends.push(a.bus.send('c', `a:${i}`), b.bus.send('c', `b:${i}`), c.bus.send('c', `c:${i}`));
    }
    sends.push(a.bus.send('b', 'only-for-b:0'));
    const results = (await Promise.all(sends)) as { ok: boolean }[];
    assert.ok(results.every((r) => r.ok));
    await until(() => c.inbox.length === 3 * PER_SENDER, 5000, 'all messages at c');
    for (const from of ['a', 'b', 'c']) assertInOrderOnce(seqsFrom(c.inbox, from), PER_SENDER, `${from} → c`);
    await until(() => b.inbox.length === 1, 2000, 'the message for b');
    assert.deepEqual(b.inbox, [{ body: 'only-for-b:0', from: 'a' }]);
    assert.equal(a.inbox.length, 0);
    console.log(`3 senders x ${PER_SENDER} messages to one node: all arrived once, in order per sender`);
    await Promise.all(nodes.map((n) => n.bus.close()));
  });

  it('gathers the sends of one event-loop turn into few stream entries, still once and in order', async () => {
    const keys = freshKeys();
    const sender = await node(redis, 'sender', keys);
    const receiver = await node(redis, 'receiver', keys);
    const COUNT = 1200;
    const sends = Array.from({ length: COUNT }, (_, i) => sender.bus.send('receiver', `sender:${i}`));
    // A second turn: its sends go in their own entry, after the first turn's.
    await new Promise((resolve) => setImmediate(resolve));
    sends.push(...Array.from({ length: 10 }, (_, i) => sender.bus.send('receiver', `sender:${COUNT + i}`)));
    const results = await Promise.all(sends);
    assert.ok(results.every((r) => r.ok));
    await until(() => receiver.inbox.length === COUNT + 10, 5000, 'every message');
    assertInOrderOnce(seqsFrom(receiver.inbox, 'sender'), COUNT + 10, 'batched sends');
    const raw = new Redis(redis.url);
    const entries = await raw.xlen(keys.inbox('receiver'));
    raw.disconnect();
    // 1200 in one turn: entries of at most 512 messages, so 3; then 1 for the next turn.
    assert.equal(entries, 4);
    assert.equal(sender.bus.backlog, 0);
    console.log(`${COUNT + 10} messages in two turns went to Redis as ${entries} stream entries`);
    await Promise.all([sender.bus.close(), receiver.bus.close()]);
  });

  it('is congested past the high-water mark while Redis takes sends, flowing below the low one, stalled when Redis takes nothing', async () => {
    const keys = freshKeys();
    const sender = await node(redis, 'sender', keys, { highWater: 100, lowWater: 10, stallMs: 400 });
    const receiver = await node(redis, 'receiver', keys);
    // 300 in one turn: past the high-water mark at once, nothing refused, and flowing again once Redis has them.
    const sends = Array.from({ length: 300 }, (_, i) => sender.bus.send('receiver', `sender:${i}`));
    assert.equal(sender.bus.flow, 'congested');
    assert.ok((await Promise.all(sends)).every((r) => r.ok));
    assert.equal(sender.bus.flow, 'flowing');
    assert.deepEqual(sender.flows, ['congested', 'flowing']);
    redis.freeze();
    try {
      const frozen = Array.from({ length: 150 }, (_, i) => sender.bus.send('receiver', `sender:${300 + i}`));
      assert.equal(sender.bus.flow, 'congested');
      await until(() => sender.bus.flow === 'stalled', 3000, 'a stall to be noticed');
      redis.thaw();
      assert.ok((await Promise.all(frozen)).every((r) => r.ok));
    } finally {
      redis.thaw();
    }
    assert.equal(sender.bus.flow, 'flowing');
    assert.deepEqual(sender.flows, ['congested', 'flowing', 'congested', 'stalled', 'flowing']);
    await until(() => receiver.inbox.length === 450, 3000, 'every message');
    assertInOrderOnce(seqsFrom(receiver.inbox, 'sender'), 450, 'through congestion and a stall');
    await Promise.all([sender.bus.close(), receiver.bus.close()]);
  });

  it('bounds the bytes waiting for a frozen Redis too', async () => {
    const keys = freshKeys();
    const sender = await node(redis, 'sender', keys, { maxBacklogBytes: 1000 });
    const receiver = await node(redis, 'receiver', keys);
    redis.freeze();
    let results: { ok: boolean; code?: string }[];
    try {
      // 100-byte messages: the first 10 fit in 1000 bytes.
      const sends = Array.from({ length: 15 }, (_, i) => sender.bus.send('receiver', `sender:${i}:`.padEnd(100, 'x')));
      await sleep(100);
      redis.thaw();
      results = await Promise.all(sends);
    } finally {
      redis.thaw();
    }
    assert.deepEqual(
      results.map((r) => r.ok),
      Array.from({ length: 15 }, (_, i) => i < 10),
    );
    await until(() => receiver.inbox.length === 10, 3000, 'the 10 taken messages');
    await Promise.all([sender.bus.close(), receiver.bus.close()]);
  });

  it('a message sent the moment its receiver has started arrives (the same millisecond must not be skipped)', async () => {
    for (let i = 0; i < 20; i++) {
      const keys = freshKeys();
      const sender = await node(redis, 'sender', keys);
      const receiver = await node(redis, 'receiver', keys);
      assert.deepEqual(await sender.bus.send('receiver', 'sender:0'), { ok: true });
      await until(() => receiver.inbox.length === 1, 3000, `the first message (round ${i})`);
      await Promise.all([sender.bus.close(), receiver.bus.close()]);
    }
  });

  for (const blip of ['freeze', 'crash'] as const) {
    it(`across a Redis ${blip} of 1.5 s: nothing duplicated or reordered, nothing lost unreported, and flowing again`, async () => {
      const keys = freshKeys();
      const sender = await node(redis, 'sender', keys);
      const receiver = await node(redis, 'receiver', keys);
      let sent = 0;
      let sending = true;
      const results: Promise<{ ok: boolean }>[] = [];
      // Bounded by `sending` (cleared in finally, even if a step fails) and by a count.
      const loop = (async () => {
        while (sending && sent < 5000) {
          results.push(sender.bus.send('receiver', `sender:${sent++}`));
          await sleep(5);
        }
      })();
      let recoveryMs: number;
      try {
        await sleep(300);
        if (blip === 'freeze') {
          redis.freeze();
          await sleep(1500);
          redis.thaw();
        } else {
          await redis.crash();
          await sleep(1500);
          await redis.restart();
        }
        const backAt = Date.now();
        const firstAfter = sent;
        await until(() => seqsFrom(receiver.inbox, 'sender').includes(firstAfter), 10_000, 'the first message sent after Redis returned');
        recoveryMs = Date.now() - backAt;
      } finally {
        redis.thaw();
        sending = false;
        await loop;
      }
      const outcomes = await Promise.all(results);
      assert.ok(outcomes.every((r) => r.ok), 'every send was taken by Redis in the end');
      await until(() => seqsFrom(receiver.inbox, 'sender').includes(sent - 1), 10_000, 'the last message');
      await sleep(200);
      const seqs = seqsFrom(receiver.inbox, 'sender');
      assert.ok(seqs.every((seq, i) => i === 0 || seq > (seqs[i - 1] as number)), 'in order, none twice');
      const missing = sent - seqs.length;
      const reported = receiver.gaps.reduce((sum, n) => sum + n, 0);
      if (blip === 'freeze') {
        assert.equal(missing, 0, 'a stall loses nothing');
      } else {
        // Without persistence, entries Redis took but the reader had not fetched when it was
        // killed die with it (decision 0007). Never silently: each one is reported as a gap.
        assert.equal(reported, missing, 'every message lost in the crash is reported as a gap');
        assert.deepEqual(receiver.states, ['ready', 'reconnecting', 'ready']);
      }
      console.log(
        `Redis ${blip} 1.5 s: ${sent} messages, ${seqs.length} delivered once and in order, ${missing} lost (${reported} reported as gaps); flowing again ${recoveryMs} ms after Redis returned`,
      );
      await Promise.all([sender.bus.close(), receiver.bus.close()]);
    });
  }

  it('bounds what waits for a frozen Redis: sends past the backlog are refused, the rest arrive after', async () => {
    const keys = freshKeys();
    const sender = await node(redis, 'sender', keys, { maxBacklog: 50 });
    const receiver = await node(redis, 'receiver', keys);
    redis.freeze();
    let results: { ok: boolean; code?: string }[];
    try {
      const sends = Array.from({ length: 60 }, (_, i) => sender.bus.send('receiver', `sender:${i}`));
      await sleep(100);
      assert.equal(sender.bus.backlog, 50);
      redis.thaw();
      results = await Promise.all(sends);
    } finally {
      redis.thaw();
    }
    const refused = results.filter((r) => !r.ok);
    assert.equal(refused.length, 10);
    assert.ok(refused.every((r) => r.code === 'backlog-full'));
    await until(() => receiver.inbox.length === 50, 3000, 'the 50 taken messages');
    assertInOrderOnce(seqsFrom(receiver.inbox, 'sender'), 50, 'the taken ones');
    await Promise.all([sender.bus.close(), receiver.bus.close()]);
  });

  it('skips an inbox entry that is not a bus message, says so, and reads on; a closed bus refuses to send', async () => {
    const keys = freshKeys();
    const sender = await node(redis, 'sender', keys);
    const receiver = await node(redis, 'receiver', keys);
    const raw = new Redis(redis.url);
    await raw.xadd(keys.inbox('receiver'), '*', 'garbage', 'yes');
    await raw.xadd(keys.inbox('receiver'), '*', 'from', 'x', 'epoch', 'e', 'seq', '-4', 'body', 'b');
    raw.disconnect();
    assert.deepEqual(await sender.bus.send('receiver', 'sender:0'), { ok: true });
    await until(() => receiver.inbox.length === 1, 3000, 'the real message');
    assert.equal(receiver.errors.filter((e) => /not a bus message/.test(e.message)).length, 2);
    await sender.bus.close();
    const refused = await sender.bus.send('receiver', 'sender:1');
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.code, 'closed');
    await receiver.bus.close();
  });
});
