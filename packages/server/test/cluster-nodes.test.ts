import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sleep, until } from './support/cluster.js';
import { ClusterUnderTest } from './support/ClusterUnderTest.js';
import type { ResumingParticipant } from './support/ResumingParticipant.js';

/**
 * Three real server processes sharing one real redis-server, behind a TCP
 * load balancer: rooms spread over the nodes, a node killed, Redis frozen,
 * and a rolling restart. Heavy: run under flock /tmp/parley-heavy.lock.
 */

const NAMES = ['Ann', 'Bob', 'Cat', 'Dan', 'Eve', 'Fay'];
/** NodePresence's default TTL: a node silent this long is dead. */
const PRESENCE_TTL_MS = 5000;

const candidate = (text: string) => ({ candidate: { candidate: text, sdpMid: '0', sdpMLineIndex: 0 } });
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))] ?? NaN;

describe('three nodes sharing rooms through Redis', () => {
  let nodes: ClusterUnderTest;
  // Set by `before`; the tests below read them as they did before the helper existed.
  let cluster: ClusterUnderTest['cluster'];
  let people: ResumingParticipant[];
  const newRoom = () => nodes.newRoom();
  const join = (url: string, room: string, name: string, options: { autoResume?: boolean } = {}) => nodes.join(url, room, name, options);
  const joinThroughBalancer = (room: string, name: string, options: { autoResume?: boolean } = {}) => nodes.joinThroughBalancer(room, name, options);
  const membersSeenBy = (index: number, room: string) => nodes.membersSeenBy(index, room);

  before(async () => {
    nodes = await ClusterUnderTest.start('nodes', { nodes: 3, env: { RESUME_WINDOW_MS: '15000', LOG_LEVEL: 'info' } });
    cluster = nodes.cluster;
    people = nodes.people;
  });
  after(async () => {
    await nodes?.stop();
  });

  const status = async (url: string, path: string) => (await fetch(`${url}${path}`)).status;

  it('members on three nodes see each other, and offers, candidates and answers cross nodes once and in order', async () => {
    const room = newRoom();
    const [ann, bob, cat] = [
      await join(cluster.nodeWsUrl(0), room, 'Ann'),
      await join(cluster.nodeWsUrl(1), room, 'Bob'),
      await join(cluster.nodeWsUrl(2), room, 'Cat'),
    ] as ResumingParticipant[] as [ResumingParticipant, ResumingParticipant, ResumingParticipant];
    assert.deepEqual(cat.joined.peers.map((p) => p.name).sort(), ['Ann', 'Bob'], 'the joiner on node 2 lists members of nodes 0 and 1');
    const trio = [ann, bob, cat];
    await until(() => trio.every((p) => p.knows().size === 2), 5000, 'everyone to know the two others');

    // Every ordered pair at once: an offer, 30 candidates, then the answer back.
    const CANDIDATES = 30;
    const started = performance.now();
    await Promise.all(
      trio.flatMap((from) =>
        trio
          .filter((to) => to !== from)
          .map(async (to) => {
            const sends = [from.client.request({ type: 'signal', to: to.id, signal: { description: { type: 'offer', sdp: 'v=0\r\n' } } })];
            for (let n = 1; n <= CANDIDATES; n++) sends.push(from.client.request({ type: 'signal', to: to.id, signal: candidate(`candidate:${from.id}:${n}`) }));
            const replies = await Promise.all(sends);
            assert.ok(replies.every((r) => r.type === 'ok'), JSON.stringify(replies.find((r) => r.type !== 'ok')));
            await until(() => to.signalsFrom(from.id).length >= CANDIDATES + 1, 5000, 'the offer and candidates to arrive');
            assert.equal((await to.client.request({ type: 'signal', to: from.id, signal: { description: { type: 'answer', sdp: 'v=0\r\n' } } })).type, 'ok');
          }),
      ),
    );
    const expected = ['offer', ...Array.from({ length: CANDIDATES }, (_, i) => `candidate:%:${i + 1}`)];
    for (const to of trio) {
      for (const from of trio.filter((p) => p !== to)) {
        await until(() => from.signalsFrom(to.id).includes('answer'), 5000, 'the answer');
        assert.deepEqual(to.signalsFrom(from.id).filter((s) => s !== 'answer'), expected.map((s) => s.replace('%', from.id)), `${from.joined.name} → ${to.joined.name}: once, in order`);
        assert.equal(from.signalsFrom(to.id).filter((s) => s === 'answer').length, 1, 'one answer');
      }
    }
    const burstMs = performance.now() - started;

    // One signal at a time from node 0 to node 1: how long a relay across nodes takes.
    const latencies: number[] = [];
    for (let n = 0; n < 100; n++) {
      const text = `candidate:ping:${n}`;
      const arrived = bob.client.waitFor((m) => m.type === 'signal' && 'candidate' in m.signal && m.signal.candidate?.candidate === text);
      const sentAt = performance.now();
      ann.client.send({ type: 'signal', to: bob.id, signal: candidate(text) });
      await arrived;
      latencies.push(performance.now() - sentAt);
    }
    for (const index of [0, 1, 2]) assert.deepEqual(await membersSeenBy(index, room), ['Ann', 'Bob', 'Cat'], `node ${index}'s member list`);
    console.log(
      `# 3 nodes: 6 pairs x ${CANDIDATES + 2} signals relayed once and in order in ${burstMs.toFixed(0)} ms; ` +
        `one signal node 0 -> node 1 (client to client): p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms, max ${Math.max(...latencies).toFixed(2)} ms`,
    );
  });

  it('a node killed (SIGKILL): its clients resume on another node as the same participants, unseen by the others; one that does not come back is reported gone', async () => {
    const room = newRoom();
    const placed: { person: ResumingParticipant; node: number }[] = [];
    for (const name of NAMES.slice(0, 3)) placed.push(await joinThroughBalancer(room, name));
    const leaver = await joinThroughBalancer(room, 'Gus', { autoResume: false });
    const victim = leaver.node;
    const everyone = placed.map((p) => p.person);
    await until(() => everyone.every((p) => p.knows().size === 3), 5000, 'everyone to know the others');
    const onVictim = placed.filter((p) => p.node === victim).map((p) => p.person);
    const elsewhere = placed.filter((p) => p.node !== victim).map((p) => p.person);
    assert.ok(onVictim.length >= 1 && elsewhere.length >= 1, `a room over several nodes (victim node ${victim}: ${onVictim.length} members)`);

    const killedAt = Date.now();
    await cluster.stopNode(victim, 'SIGKILL');
    await until(() => onVictim.every((p) => p.resumes.length > 0 || p.failure !== undefined), 10_000, 'the victim node’s members to resume');
    for (const person of onVictim) await person.settled();
    for (const person of onVictim) {
      const resumed = person.resumes.at(-1);
      assert.equal(resumed?.selfId, person.id, 'the same participant');
      assert.equal(resumed?.resumed, true);
      assert.deepEqual(new Set(resumed?.peers.map((p) => p.name)), new Set([...NAMES.slice(0, 3), 'Gus'].filter((n) => n !== person.joined.name)));
    }
    // Gus never comes back: once the dead node's presence runs out, everyone is told he left.
    await until(() => everyone.every((p) => !p.knows().has(leaver.person.id)), PRESENCE_TTL_MS + 5000, 'the others to be told Gus left');
    const goneAfterMs = Date.now() - killedAt;
    for (const person of everyone) {
      const left = person.all('peer-left').map((m) => m.peerId);
      assert.deepEqual(left, [leaver.person.id], `${person.joined.name} was told only that Gus left`);
      assert.equal(person.all('peer-joined').filter((m) => onVictim.some((v) => v.id === m.peer.id)).length, 0, 'no join flicker');
    }
    // The resumed ones signal across nodes again.
    const [moved] = onVictim as [ResumingParticipant];
    const [other] = elsewhere as [ResumingParticipant];
    assert.equal((await moved.client.request({ type: 'signal', to: other.id, signal: candidate('candidate:after-kill') })).type, 'ok');
    await until(() => other.signalsFrom(moved.id).includes('candidate:after-kill'), 3000, 'a signal from a resumed participant');
    const alive = [0, 1, 2].filter((i) => i !== victim);
    for (const index of alive) assert.deepEqual(await membersSeenBy(index, room), NAMES.slice(0, 3), `node ${index}'s member list`);
    console.log(
      `# node ${victim} killed: ${onVictim.length} participant(s) resumed elsewhere in ${onVictim.map((p) => p.resumeMs.at(-1)).join(', ')} ms, ` +
        `nobody saw them leave; the one that never came back was reported gone ${goneAfterMs} ms after the kill (presence TTL ${PRESENCE_TTL_MS} ms)`,
    );
    await cluster.startNode(victim);
  });

  it('Redis frozen for 15 s: nodes stay alive and unready, nobody is dropped, and cross-node signaling is back within seconds', async () => {
    const room = newRoom();
    const ann = await join(cluster.nodeWsUrl(0), room, 'Ann');
    const bob = await join(cluster.nodeWsUrl(1), room, 'Bob');
    await until(() => ann.knows().has(bob.id), 5000, 'Ann to know Bob');
    const pids = cluster.nodes.map((n) => n.child.pid);

    cluster.redis.freeze();
    const frozenAt = Date.now();
    try {
      await sleep(3000);
      for (const node of cluster.nodes) {
        assert.equal(await status(node.url, '/healthz'), 200, 'alive');
        assert.equal(await status(node.url, '/readyz'), 503, 'not ready without Redis');
      }
      const during = await ann.client.request({ type: 'signal', to: bob.id, signal: candidate('candidate:frozen') }, 5000);
      assert.equal(during.type === 'error' && during.code, 'unavailable', 'a cross-node signal is refused as unavailable, not lost silently');
      await sleep(Math.max(0, 15_000 - (Date.now() - frozenAt)));
    } finally {
      cluster.redis.thaw();
    }
    const thawedAt = Date.now();
    let delivered = -1;
    for (let n = 0; n < 100 && delivered < 0; n++) {
      const reply = await ann.client.request({ type: 'signal', to: bob.id, signal: candidate(`candidate:thawed:${n}`) });
      if (reply.type === 'ok') {
        await until(() => bob.signalsFrom(ann.id).includes(`candidate:thawed:${n}`), 5000, 'the signal after the thaw');
        delivered = Date.now() - thawedAt;
      } else await sleep(100);
    }
    assert.ok(delivered >= 0, 'cross-node signaling works again');
    let readyAfterMs = -1;
    for (let n = 0; n < 100 && readyAfterMs < 0; n++) {
      const statuses = await Promise.all(cluster.nodes.map((node) => status(node.url, '/readyz')));
      if (statuses.every((s) => s === 200)) readyAfterMs = Date.now() - thawedAt;
      else await sleep(100);
    }
    assert.ok(readyAfterMs >= 0, 'every node ready again');
    assert.deepEqual(cluster.nodes.map((n) => n.child.pid), pids, 'no process restarted');
    assert.ok(cluster.nodes.every((n) => n.running));
    // A beat missed while Redis stood still is no death: nobody is reaped afterwards.
    await sleep(PRESENCE_TTL_MS + 1000);
    for (const person of [ann, bob]) {
      assert.equal(person.all('peer-left').length, 0, `${person.joined.name} saw nobody leave`);
      assert.equal(person.sockets.length, 1, `${person.joined.name} kept its connection`);
    }
    for (const index of [0, 1, 2]) assert.deepEqual(await membersSeenBy(index, room), ['Ann', 'Bob'], `node ${index}'s member list`);
    console.log(`# Redis frozen ${thawedAt - frozenAt} ms: healthz 200 and readyz 503 on every node; after the thaw, a cross-node signal delivered in ${delivered} ms, every node ready in ${readyAfterMs} ms`);
  });

  it('a rolling restart (SIGTERM each node in turn) loses no room and no member', async () => {
    const room = newRoom();
    const everyone: ResumingParticipant[] = [];
    for (const name of NAMES) everyone.push((await joinThroughBalancer(room, name)).person);
    await until(() => everyone.every((p) => p.knows().size === NAMES.length - 1), 5000, 'everyone to know the others');
    const timings: string[] = [];
    // Earlier tests' participants are still connected (to every node), and resume too.
    const resumes = () => people.reduce((sum, p) => sum + p.resumes.length, 0);
    for (const index of [0, 1, 2]) {
      const node = cluster.nodes[index];
      assert.ok(node);
      const held = ((await (await fetch(`${node.url}/healthz`)).json()) as { participants: number }).participants;
      const before = people.map((p) => p.resumes.length);
      const resumedBefore = resumes();
      const stoppedAt = Date.now();
      await cluster.stopNode(index, 'SIGTERM');
      await until(() => resumes() >= resumedBefore + held || people.some((p) => p.failure), 10_000, `the ${held} participants of node ${index} to resume`);
      for (const person of people) await person.settled();
      const moved = people.filter((p, i) => p.resumes.length > (before[i] as number));
      assert.equal(moved.length, held, `the ${held} participants node ${index} held moved`);
      await cluster.startNode(index);
      timings.push(`node ${index}: ${moved.length} resumed within ${Math.max(0, ...moved.map((p) => p.resumeMs.at(-1) ?? 0))} ms, back up after ${Date.now() - stoppedAt} ms`);
    }
    for (const person of everyone) {
      assert.equal(person.all('peer-left').length, 0, `${person.joined.name} saw nobody leave`);
      assert.deepEqual(person.knows(), new Set(everyone.filter((p) => p !== person).map((p) => p.id)), `${person.joined.name} knows everyone`);
    }
    // Past the old nodes' presence: their reaping must find nobody left to remove.
    await sleep(PRESENCE_TTL_MS + 1500);
    for (const index of [0, 1, 2]) assert.deepEqual(await membersSeenBy(index, room), [...NAMES].sort(), `node ${index}'s member list`);
    console.log(`# rolling restart of 3 nodes: ${resumes()} resumes in all, no member lost; ${timings.join('; ')}`);
  });
});
