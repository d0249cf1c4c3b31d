import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ServerMessage } from '@parley/protocol';
import { sleep, until } from './support/cluster.js';
import { ClusterUnderTest } from './support/ClusterUnderTest.js';
import type { TestClient } from './support/TestClient.js';

/**
 * Flow control toward Redis (decision 0007, ReadPause): a node whose backlog
 * of messages for other nodes passes its high-water mark stops reading its
 * clients' sockets until Redis has taken it, instead of refusing signals once
 * the backlog's bound is full; only a Redis that takes nothing for a while
 * (stalled) gets signals refused with `unavailable`.
 *
 * Three real server processes on one real redis-server, with each node's
 * bound lowered to 256 KiB (BUS_BACKLOG_BYTES) so that a burst of a few MB
 * from one client passes it many times over; Redis is frozen (SIGSTOP) for a
 * moment during the burst, so the backlog cannot drain while it comes in.
 * Heavy: run under flock /tmp/parley-heavy.lock.
 */

const BOUND_BYTES = 256 * 1024;
/** Signals of the burst to each of the two receivers, ~0.9 KB each: ~3.6 MB in all, 14× the bound. */
const PER_RECEIVER = 2000;
/** NodeBus's default: Redis taking nothing this long is a stall. */
const STALL_MS = 2000;
const PAD = 'x'.repeat(800);

const candidate = (tag: string) => ({ candidate: { candidate: `candidate:${tag} ${PAD}`, sdpMid: '0', sdpMLineIndex: 0 } });
/** The tag of a candidate relayed to a receiver. */
const tagOf = (message: ServerMessage) => {
  if (message.type !== 'signal') return undefined;
  const signal = message.signal as { candidate?: { candidate?: string } };
  return signal.candidate?.candidate?.split(' ')[0]?.slice('candidate:'.length);
};

describe('flow control toward Redis, three nodes', () => {
  let nodes: ClusterUnderTest;

  before(async () => {
    nodes = await ClusterUnderTest.start('flow', {
      nodes: 3,
      env: { BUS_BACKLOG_BYTES: String(BOUND_BYTES), RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000', LOG_LEVEL: 'warn' },
    });
  });
  after(async () => {
    await nodes?.stop();
  });

  /** Ann on node 0, Bob on node 1, Cat on node 2; node 0 has learnt where Bob and Cat are held. */
  async function threeNodeRoom(): Promise<{ ann: TestClient; receivers: { client: TestClient; id: string }[] }> {
    const room = nodes.newRoom();
    const ann = await nodes.connect(0);
    await ann.join(room, 'Ann');
    const receivers = [];
    for (const [index, name] of [[1, 'Bob'], [2, 'Cat']] as const) {
      const client = await nodes.connect(index);
      receivers.push({ client, id: (await client.join(room, name)).selfId });
    }
    // One signal each first: node 0 then knows where they are held and needs no room read from Redis.
    for (const { client, id } of receivers) {
      assert.equal((await ann.request({ type: 'signal', to: id, signal: candidate('warm-up') })).type, 'ok');
      await client.waitFor((m) => tagOf(m) === 'warm-up', 5000);
    }
    return { ann, receivers };
  }

  /** Sends the burst without waiting: ids 1000… so replies can be told apart. Resolves with the ids. */
  function sendBurst(ann: TestClient, receivers: { id: string }[]): number[] {
    const ids: number[] = [];
    for (let n = 0; n < PER_RECEIVER; n++) {
      for (const [r, { id: to }] of receivers.entries()) {
        const id = 1000 + ids.length;
        ids.push(id);
        ann.send({ type: 'signal', id, to, signal: candidate(`${r}:${n}`) });
      }
    }
    return ids;
  }

  /** Replies to the burst, by id. */
  function replies(ann: TestClient, ids: number[]): Map<number, ServerMessage> {
    const wanted = new Set(ids);
    const byId = new Map<number, ServerMessage>();
    for (const message of ann.received) {
      if ('id' in message && typeof message.id === 'number' && wanted.has(message.id)) byId.set(message.id, message);
    }
    return byId;
  }

  /** Which burst signals each receiver got, in the order it got them. */
  const burstTags = (client: TestClient) => client.received.map(tagOf).filter((tag): tag is string => tag !== undefined && tag !== 'warm-up');

  it('a burst 14× the backlog bound while Redis stands still for 0.6 s: nothing refused, every signal once and in order, the socket read again', async () => {
    const { ann, receivers } = await threeNodeRoom();
    nodes.cluster.redis.freeze();
    let thawedAt = 0;
    let pingAnsweredAt = 0;
    let bobPingAnsweredAt = 0;
    try {
      const ids = sendBurst(ann, receivers);
      // Sent after the burst: the node answers it only once it reads this far.
      const ping = ann.request({ type: 'ping' }, 60_000).then((reply) => {
        pingAnsweredAt = Date.now();
        return reply;
      });
      // Another node reads its clients meanwhile: only the congested node holds back.
      const bob = receivers[0]?.client as TestClient;
      assert.equal((await bob.request({ type: 'ping' })).type, 'ok');
      bobPingAnsweredAt = Date.now();
      await sleep(600);
      nodes.cluster.redis.thaw();
      thawedAt = Date.now();
      assert.equal((await ping).type, 'ok', 'the paused socket is read again once Redis has taken the backlog');

      await until(() => replies(ann, ids).size === ids.length, 30_000, 'a reply to every signal of the burst');
      const refused = [...replies(ann, ids).values()].filter((reply) => reply.type !== 'ok');
      assert.equal(refused.length, 0, `no signal refused (refused: ${refused.length}, the first ${JSON.stringify(refused[0])})`);
      for (const [r, { client }] of receivers.entries()) {
        await until(() => burstTags(client).length >= PER_RECEIVER, 30_000, `receiver ${r} to get the whole burst`);
        const expected = Array.from({ length: PER_RECEIVER }, (_, n) => `${r}:${n}`);
        assert.deepEqual(burstTags(client), expected, `receiver ${r}: every signal once, in the order sent`);
        assert.deepEqual(client.outOfOrder, [], `receiver ${r}: pushes numbered in order`);
      }
      const deliveredAt = Date.now();
      assert.ok(bobPingAnsweredAt < thawedAt, 'node 1 answered Bob while Redis was frozen');
      assert.ok(pingAnsweredAt >= thawedAt, 'node 0 did not read Ann past the burst while Redis stood still');
      // Read again for good: a request now is answered at once, and signals flow.
      assert.equal((await ann.request({ type: 'ping' })).type, 'ok');
      const last = receivers[1] as { client: TestClient; id: string };
      assert.equal((await ann.request({ type: 'signal', to: last.id, signal: candidate('after') })).type, 'ok');
      await last.client.waitFor((m) => tagOf(m) === 'after', 5000);
      console.log(
        `# burst of ${ids.length} signals (~${Math.round((ids.length * (PAD.length + 100)) / 1024)} KiB) past a ${BOUND_BYTES / 1024} KiB backlog bound, Redis frozen 0.6 s: 0 refused; Ann's ping answered ${pingAnsweredAt - thawedAt} ms after the thaw; everything delivered once and in order ${deliveredAt - thawedAt} ms after the thaw`,
      );
    } finally {
      nodes.cluster.redis.thaw();
    }
  });

  it(`Redis frozen past the stall time (${STALL_MS} ms): the node reads on and refuses past the bound with unavailable; what it took arrives once, in order`, async () => {
    const { ann, receivers } = await threeNodeRoom();
    nodes.cluster.redis.freeze();
    const frozenAt = Date.now();
    let ids: number[] = [];
    let pingAnsweredAt = 0;
    try {
      ids = sendBurst(ann, receivers);
      const ping = await ann.request({ type: 'ping' }, 60_000);
      pingAnsweredAt = Date.now();
      assert.equal(ping.type, 'ok');
      await sleep(Math.max(0, STALL_MS + 1500 - (Date.now() - frozenAt)));
    } finally {
      nodes.cluster.redis.thaw();
    }
    const thawedAt = Date.now();
    assert.ok(pingAnsweredAt < thawedAt, 'a stalled Redis does not keep the sockets paused: the node read on before the thaw');
    await until(() => replies(ann, ids).size === ids.length, 30_000, 'a reply to every signal of the burst');
    const answers = replies(ann, ids);
    const refused = [...answers.values()].filter((reply) => reply.type !== 'ok');
    assert.ok(refused.length > 0, 'signals past the bound are refused while Redis takes nothing');
    assert.ok(
      refused.every((reply) => reply.type === 'error' && reply.code === 'unavailable'),
      'refused as unavailable',
    );
    for (const [r, { client }] of receivers.entries()) {
      const accepted = ids
        .map((id, k) => ({ id, n: Math.floor(k / receivers.length), to: k % receivers.length }))
        .filter(({ id, to }) => to === r && answers.get(id)?.type === 'ok')
        .map(({ n }) => `${r}:${n}`);
      await until(() => burstTags(client).length >= accepted.length, 30_000, `receiver ${r} to get what was accepted`);
      await sleep(200);
      assert.deepEqual(burstTags(client), accepted, `receiver ${r}: exactly the accepted signals, once, in order`);
    }
    console.log(
      `# Redis frozen ${thawedAt - frozenAt} ms during a burst of ${ids.length}: Ann's ping answered ${pingAnsweredAt - frozenAt} ms after the freeze (stall at ${STALL_MS} ms), ${refused.length} refused as unavailable, ${ids.length - refused.length} accepted and delivered once, in order`,
    );
  });
});
