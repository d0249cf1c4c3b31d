import { ParleyProcess } from '@parley/testbed';
import { expectVideoFlowing, joinCall, linkStats, openPeerConnections, tile } from '../support/call.js';
import { expect, freshRoom, test } from '../support/fixtures.js';

test('a server that cannot take people back (restarted without SESSION_SECRET): they join again by themselves and the call goes on', async ({ browser }) => {
  test.setTimeout(120_000);
  // Without SESSION_SECRET each server process signs resume tokens with a random key of its own,
  // so after a restart every resume is refused as forged: the SDK must join afresh.
  let server = await ParleyProcess.start();
  try {
    const room = freshRoom();
    const ada = await joinCall(browser, server, room, 'Ada');
    const bob = await joinCall(browser, server, room, 'Bob');
    await expectVideoFlowing(ada, 'Bob');
    await expectVideoFlowing(bob, 'Ada');

    const port = server.port;
    await server.kill('SIGKILL');
    for (const page of [ada, bob]) await expect(page.getByRole('status').filter({ hasText: 'Reconnecting…' })).toBeVisible();
    server = await ParleyProcess.start({}, { port });
    const upAt = Date.now();

    await Promise.all([ada, bob].map((page) => expect(page.getByRole('status').filter({ hasText: 'Back in the call' })).toBeVisible({ timeout: 15_000 })));
    const rejoinedMs = Date.now() - upAt;
    await expectVideoFlowing(ada, 'Bob');
    await expectVideoFlowing(bob, 'Ada');
    const videoMs = Date.now() - upAt;
    console.log(`[rejoin] both joined again ${rejoinedMs} ms after the server was back; video both ways by ${videoMs} ms`);
    test.info().annotations.push({ type: 'rejoin', description: `joined again after ${rejoinedMs} ms; video both ways by ${videoMs} ms` });

    // One tile per person, one live link each (the old ones closed), and nobody stuck on a banner.
    for (const [page, other] of [[ada, 'Bob'], [bob, 'Ada']] as const) {
      await expect(tile(page, other)).toHaveCount(1);
      await expect(page.getByRole('status').filter({ hasText: /Reconnecting…|Rejoining…|Lost the connection/ })).toHaveCount(0);
      expect(await openPeerConnections(page)).toBe(1);
      // The link to the other's old self was closed; a new one carries the call.
      expect((await linkStats(page)).map((link) => link.connectionState).sort()).toEqual(['closed', 'connected']);
    }
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as { participants: number };
    expect(health.participants).toBe(2);
  } finally {
    await server.kill('SIGKILL');
  }
});
