import type { Page } from '@playwright/test';
import { NetworkLab } from '@parley/testbed';
import { expectVideoFlowing, tile } from '../support/call.js';
import { expect, freshRoom, test } from '../support/fixtures.js';
import { NatCall } from '../support/natCall.js';

const lab = await NetworkLab.available();
test.skip(!lab.ok, `network namespaces unavailable: ${lab.ok ? '' : lab.why}`);

/** How long the broken pair is watched retrying, from its first offer and answer. */
const WINDOW_MS = 40_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Records, inside the page, each new local ICE username fragment of peer
 * connection `index` once negotiated (stable): a new one is an ICE restart
 * that went through (whichever side started it, both get new credentials).
 */
async function watchIceCredentials(page: Page, index: number): Promise<void> {
  await page.evaluate((index) => {
    const pcs = (window as unknown as { __parleyPeerConnections: RTCPeerConnection[] }).__parleyPeerConnections;
    const seen: { at: number; ufrag: string }[] = [];
    (window as unknown as { __ufrags: typeof seen }).__ufrags = seen;
    setInterval(() => {
      const pc = pcs[index];
      if (pc?.signalingState !== 'stable') return;
      const ufrag = /a=ice-ufrag:(\S+)/.exec(pc.localDescription?.sdp ?? '')?.[1];
      if (ufrag && ufrag !== seen[seen.length - 1]?.ufrag) seen.push({ at: Date.now(), ufrag });
    }, 100);
  }, index);
}

/** When the link was first negotiated, and when each ICE restart after it went through, within the window. */
async function iceRestarts(page: Page): Promise<{ firstAt: number; restarts: number[] }> {
  const seen = await page.evaluate(() => (window as unknown as { __ufrags: { at: number }[] }).__ufrags);
  const firstAt = seen[0]?.at ?? Date.now();
  return { firstAt, restarts: seen.slice(1).map((entry) => entry.at).filter((at) => at <= firstAt + WINDOW_MS) };
}

test('three people where one pair cannot connect: that pair alone shows it, retries at a bounded rate, and connects once unblocked', async () => {
  test.setTimeout(200_000);
  // STUN only: with a relay the blocked pair would simply go through it.
  const call = await NatCall.start({ kinds: ['cone', 'cone', 'cone'], turn: false });
  try {
    const [adasHome, bobsHome] = call.homes;
    if (!adasHome || !bobsHome) throw new Error('three homes expected');
    // A firewall between Ada's and Bob's homes only: both still reach the server and Cyd.
    await call.topology.disconnect(adasHome, bobsHome);
    const room = freshRoom();
    const ada = await call.join(0, room, 'Ada');
    const bob = await call.join(1, room, 'Bob');
    // Ada's first peer connection is to Bob (he joined after her), and Bob's first is to Ada (listed at join).
    await watchIceCredentials(ada, 0);
    await watchIceCredentials(bob, 0);
    const cyd = await call.join(2, room, 'Cyd');

    for (const [page, others] of [[ada, ['Cyd']], [bob, ['Cyd']], [cyd, ['Ada', 'Bob']]] as const) {
      for (const other of others) await expectVideoFlowing(page, other, 40_000);
    }
    const cannotConnect = (name: string) => `Could not connect to ${name} — the network blocks direct calls and no relay is configured`;
    await expect(tile(ada, 'Bob').getByRole('status')).toHaveText(cannotConnect('Bob'), { timeout: 60_000 });
    await expect(tile(bob, 'Ada').getByRole('status')).toHaveText(cannotConnect('Ada'), { timeout: 60_000 });
    const failedAt = Date.now();
    const shownAfter = `both sides of the blocked pair say they cannot connect ${((failedAt - (await iceRestarts(ada)).firstAt) / 1000).toFixed(1)} s after it was negotiated`;
    console.log(`[half-broken] ${shownAfter}`);
    test.info().annotations.push({ type: 'half-broken', description: shownAfter });

    // Only that pair: every other tile shows no link trouble, and its video flows.
    for (const [page, name] of [[ada, 'Cyd'], [bob, 'Cyd'], [cyd, 'Ada'], [cyd, 'Bob']] as const) {
      await expect(tile(page, name).getByRole('status')).toHaveCount(0);
    }

    await sleep((await iceRestarts(ada)).firstAt + WINDOW_MS - Date.now());
    // The status holds through the retries: it never flips back to "Connecting…".
    await expect(tile(ada, 'Bob').getByRole('status')).toHaveText(cannotConnect('Bob'));
    for (const [who, page] of [['Ada', ada], ['Bob', bob]] as const) {
      const { restarts } = await iceRestarts(page);
      const intervals = restarts.slice(1).map((at, i) => at - (restarts[i] as number));
      const line = `${who}: ${restarts.length} ICE restarts in ${WINDOW_MS / 1000} s, intervals ${intervals.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ') || '-'}`;
      console.log(`[half-broken] ${line}`);
      test.info().annotations.push({ type: 'half-broken', description: line });
      // It keeps trying...
      expect(restarts.length).toBeGreaterThanOrEqual(2);
      // ...at a bounded rate: restarts back off (2, 4, 8, 16 s), never one on top of another.
      expect(restarts.length).toBeLessThanOrEqual(8);
      for (const ms of intervals) expect(ms).toBeGreaterThan(1_500);
    }

    // The firewall goes away: the next restart finds the path.
    await call.topology.reconnect(adasHome, bobsHome);
    const unblockedAt = Date.now();
    await expectVideoFlowing(ada, 'Bob', 40_000);
    await expectVideoFlowing(bob, 'Ada', 40_000);
    const line = `video between Ada and Bob ${Date.now() - unblockedAt} ms after the block was lifted`;
    console.log(`[half-broken] ${line}`);
    test.info().annotations.push({ type: 'half-broken', description: line });
    await expect(tile(ada, 'Bob').getByRole('status')).toHaveCount(0);
    await expect(tile(bob, 'Ada').getByRole('status')).toHaveCount(0);
  } finally {
    await call.stop();
  }
});
