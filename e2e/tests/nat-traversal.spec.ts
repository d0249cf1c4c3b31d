import { NetworkLab } from '@parley/testbed';
import { expectVideoFlowing, linkStats, tile } from '../support/call.js';
import { expect, test } from '../support/fixtures.js';
import { NatCall } from '../support/natCall.js';
import { remoteCandidates, selectedPath } from '../support/pathStats.js';

const lab = await NetworkLab.available();
test.skip(!lab.ok, `network namespaces unavailable: ${lab.ok ? '' : lab.why}`);
test.describe.configure({ mode: 'serial' });

function report(kind: string, description: string): void {
  test.info().annotations.push({ type: kind, description });
  console.log(`[nat] ${kind}: ${description}`);
}

test('behind ordinary NATs the call connects directly through server-reflexive addresses', async () => {
  await NatCall.withTwoPeople({ kinds: ['cone', 'cone'] }, async ({ call, ada, bob }) => {
    for (const [page, other] of [[ada, call.homes[1]], [bob, call.homes[0]]] as const) {
      // ICE may first nominate the relay pair (it answers first while the NATs' filters are still
      // closed) and then switch once hole punching makes the direct pair work.
      await expect
        .poll(async () => (await selectedPath(page))?.remote.candidateType, { timeout: 20_000 })
        .toMatch(/^(srflx|prflx)$/);
      const path = await selectedPath(page);
      report('cone/cone path', JSON.stringify(path));
      expect(path?.local.candidateType).not.toBe('relay');
      // The far end is seen at its NAT's public address: the path crosses both NATs, no relay.
      expect(path?.remote.address).toBe(other?.publicAddress);
    }
  });
});

test('behind symmetric NATs the call goes through the TURN relay over UDP', async () => {
  await NatCall.withTwoPeople({ kinds: ['symmetric', 'symmetric'] }, async ({ ada }) => {
    const path = await selectedPath(ada);
    report('symmetric/symmetric path', JSON.stringify(path));
    const relayed = [path?.local, path?.remote].filter((candidate) => candidate?.candidateType === 'relay');
    expect(relayed.length).toBeGreaterThan(0);
    for (const candidate of relayed) expect(candidate?.protocol).toBe('udp');
    if (path?.local.candidateType === 'relay') expect(path.local.relayProtocol).toBe('udp');
  });
});

test('with UDP blocked the call goes through the TURN relay over TCP', async () => {
  await NatCall.withTwoPeople({ kinds: ['udp-blocked', 'udp-blocked'] }, async ({ ada, bob }) => {
    for (const page of [ada, bob]) {
      const path = await selectedPath(page);
      report('udp-blocked path', JSON.stringify(path));
      expect(path?.local.candidateType).toBe('relay');
      expect(path?.local.relayProtocol).toBe('tcp');
    }
  });
});

test('without a relay configured, symmetric NATs fail and the app says why', async () => {
  await NatCall.withTwoPeople({ kinds: ['symmetric', 'symmetric'], turn: false, waitForVideo: false }, async ({ ada, bob }) => {
    const explanation = (name: string) => `Could not connect to ${name} — the network blocks direct calls and no relay is configured`;
    await expect(tile(ada, 'Bob').getByRole('status')).toHaveText(explanation('Bob'), { timeout: 60_000 });
    await expect(tile(bob, 'Ada').getByRole('status')).toHaveText(explanation('Ada'), { timeout: 60_000 });
  });
});

test('relay only hides a participant’s addresses from the others', async () => {
  await NatCall.withTwoPeople({ kinds: ['cone', 'cone'], adaRelayOnly: true }, async ({ call, ada, bob }) => {
    expect((await selectedPath(ada))?.local.candidateType).toBe('relay');
    const seenByBob = await remoteCandidates(bob);
    expect(seenByBob.length).toBeGreaterThan(0);
    for (const candidate of seenByBob) {
      expect(candidate.candidateType).toBe('relay');
      expect([call.homes[0]?.address, call.homes[0]?.publicAddress]).not.toContain(candidate.address);
    }
  });
});

test('a peer-to-peer path cut for 10 s recovers by ICE restart once it is back, showing "Reconnecting…" meanwhile', async () => {
  // No relay: while the direct path is cut there is no other way, so recovery can only come from
  // the ICE restarts after the path returns. Signaling stays up, as when only the media path breaks.
  await NatCall.withTwoPeople({ kinds: ['cone', 'cone'], turn: false }, async ({ call, ada, bob }) => {
    const [home1, home2] = call.homes;
    if (!home1 || !home2) throw new Error('two homes expected');
    const pcsBefore = await Promise.all([ada, bob].map(async (page) => (await linkStats(page)).length));

    await call.topology.disconnect(home1, home2);
    const cutAt = Date.now();
    await expect(tile(bob, 'Ada').getByRole('status')).toHaveText('Reconnecting…', { timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 10_000 - (Date.now() - cutAt)));
    const framesAt = async () => Promise.all([ada, bob].map(async (page) => (await linkStats(page))[0]?.framesDecoded ?? 0));
    const before = await framesAt();
    await call.topology.reconnect(home1, home2);
    const restoredAt = Date.now();
    await expect
      .poll(async () => (await framesAt()).every((frames, i) => frames > (before[i] as number) + 10), {
        timeout: 30_000,
        intervals: [100],
      })
      .toBe(true);
    report('recovery', `video decoding again ${Date.now() - restoredAt} ms after a 10 s cut ended`);
    await expect(tile(bob, 'Ada').getByRole('status')).toHaveCount(0, { timeout: 10_000 });
    await expect(tile(ada, 'Bob').getByRole('status')).toHaveCount(0, { timeout: 10_000 });
    // The same call: no peer connection was replaced.
    expect(await Promise.all([ada, bob].map(async (page) => (await linkStats(page)).length))).toEqual(pcsBefore);
    await expectVideoFlowing(ada, 'Bob');
  });
});
