import { expectEveryoneSeesEveryone, expectVideoFlowing, joinCall, joinCallInOrder, linkStats, tile } from '../support/call.js';
import { expect, freshRoom, test } from '../support/fixtures.js';
import { ParleyProcess } from '@parley/testbed';

const SECRET = 'e2e-session-secret-0123456789';

test('kill -9 of the server mid-call: everyone resumes, no media gap, no connection replaced, and newcomers get in', async ({ browser }) => {
  test.setTimeout(180_000);
  let server = await ParleyProcess.start({ SESSION_SECRET: SECRET });
  try {
    const room = freshRoom();
    const names = ['Ada', 'Bob', 'Cyd'];
    const pages = await joinCallInOrder(browser, server, room, names);
    const [ada] = pages;
    if (!ada) throw new Error('no page');
    await expectEveryoneSeesEveryone(pages, names);
    const before = await Promise.all(pages.map((page) => linkStats(page)));

    // Watch Ada's decoding every 100 ms through the outage: the longest stall is the media gap.
    await ada.evaluate(() => {
      const pcs = (window as unknown as { __parleyPeerConnections: RTCPeerConnection[] }).__parleyPeerConnections;
      const state = { last: new Map<RTCPeerConnection, number>(), lastChange: new Map<RTCPeerConnection, number>(), maxGap: 0 };
      (window as unknown as { __gap: typeof state }).__gap = state;
      setInterval(async () => {
        const now = performance.now();
        for (const pc of pcs) {
          let frames = 0;
          (await pc.getStats()).forEach((r: Record<string, unknown>) => {
            if (r['type'] === 'inbound-rtp' && r['kind'] === 'video') frames += Number(r['framesDecoded'] ?? 0);
          });
          if (frames !== state.last.get(pc)) {
            state.last.set(pc, frames);
            state.lastChange.set(pc, now);
          }
          state.maxGap = Math.max(state.maxGap, now - (state.lastChange.get(pc) ?? now));
        }
      }, 100);
    });

    const port = server.port;
    await server.kill('SIGKILL');
    for (const page of pages) await expect(page.getByRole('status').filter({ hasText: 'Reconnecting…' })).toBeVisible();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    server = await ParleyProcess.start({ SESSION_SECRET: SECRET }, { port });
    const upAt = Date.now();

    await expect
      .poll(async () => ((await (await fetch(`${server.url}/healthz`)).json()) as { participants: number }).participants, { timeout: 5_000, intervals: [100] })
      .toBe(3);
    const rejoinedMs = Date.now() - upAt;
    for (const page of pages) await expect(page.getByRole('status').filter({ hasText: 'Reconnecting…' })).toHaveCount(0);
    const maxGap = await ada.evaluate(() => (window as unknown as { __gap: { maxGap: number } }).__gap.maxGap);
    console.log(`[restart] all three members again ${rejoinedMs} ms after the server was back; longest video stall at Ada ${Math.round(maxGap)} ms`);
    test.info().annotations.push({ type: 'restart', description: `members again after ${rejoinedMs} ms; longest stall ${Math.round(maxGap)} ms` });
    expect(maxGap).toBeLessThan(500);

    const after = await Promise.all(pages.map((page) => linkStats(page)));
    after.forEach((links, i) => {
      expect(links, 'no peer connection was replaced').toHaveLength(before[i]?.length ?? -1);
      for (const link of links) expect(link.connectionState).toBe('connected');
    });
    for (const [i, page] of pages.entries()) {
      for (const other of names.filter((_, j) => j !== i)) await expect(tile(page, other)).toHaveCount(1);
    }

    const dee = await joinCall(browser, server, room, 'Dee');
    await Promise.all(names.map((name) => expectVideoFlowing(dee, name, 30_000)));
  } finally {
    await server.kill('SIGTERM');
  }
});
