import { NetworkLab, SERVER_ADDRESS, TurnClient } from '@parley/testbed';
import { expectVideoFlowing, linkStats } from '../support/call.js';
import { expect, test } from '../support/fixtures.js';
import { NatCall } from '../support/natCall.js';
import { selectedPath } from '../support/pathStats.js';

const lab = await NetworkLab.available();
test.skip(!lab.ok, `network namespaces unavailable: ${lab.ok ? '' : lab.why}`);

// The shortest lifetime the server accepts: the test waits through most of it twice.
const TTL_SECONDS = 30;

interface TurnCredential {
  username: string;
  credential: string;
}

async function turnCredential(page: import('@playwright/test').Page): Promise<TurnCredential> {
  return page.evaluate(() => {
    const pc = (window as unknown as { __parleyPeerConnections: RTCPeerConnection[] }).__parleyPeerConnections[0];
    const turn = pc?.getConfiguration().iceServers?.find((server) =>
      (Array.isArray(server.urls) ? server.urls : [server.urls]).some((url) => url.startsWith('turn:')),
    );
    return { username: String(turn?.username), credential: String(turn?.credential) };
  });
}

test('TURN credentials are refreshed before they expire, so an ICE restart after expiry still gets a relay', async () => {
  test.setTimeout(300_000);
  const startedAt = Date.now();
  const relayOnlyPair = { kinds: ['cone', 'cone'], turnTtlSeconds: TTL_SECONDS, adaRelayOnly: true, bobRelayOnly: true } as const;
  await NatCall.withTwoPeople(relayOnlyPair, async ({ call, ada, bob }) => {
    const first = await turnCredential(ada);
    const firstPath = await selectedPath(ada);
    expect(firstPath?.local.candidateType).toBe('relay');

    await test.step('the client fetches fresh credentials at three quarters of their lifetime', async () => {
      await expect
        .poll(async () => (await turnCredential(ada)).username, { timeout: TTL_SECONDS * 1000, intervals: [1000] })
        .not.toBe(first.username);
      // The username starts with the credential's expiry (seconds since the epoch).
      const expiresAt = Number(first.username.split(':')[0]) * 1000;
      const issuedAt = expiresAt - TTL_SECONDS * 1000;
      console.log(`[turn] credentials refreshed ${Math.round((Date.now() - issuedAt) / 1000)} s after the first were issued, ${Math.round((expiresAt - Date.now()) / 1000)} s before they expired (TTL ${TTL_SECONDS} s; the call started ${Math.round((Date.now() - startedAt) / 1000)} s ago)`);
      expect(Date.now()).toBeLessThan(expiresAt);
    });

    await test.step('after expiry, coturn refuses the first credential (401)', async () => {
      const expiry = Number(first.username.split(':')[0]) * 1000;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiry - Date.now() + 2_000)));
      const probe = TurnClient.create(SERVER_ADDRESS, call.coturn.port, first.username, first.credential);
      try {
        expect((await probe.allocate()).code).toBe(401);
      } finally {
        probe.close();
      }
    });

    await test.step('the running call outlived the expiry, and a forced ICE restart gets a new relay', async () => {
      const before = (await linkStats(bob))[0]?.framesDecoded ?? 0;
      await expect.poll(async () => (await linkStats(bob))[0]?.framesDecoded ?? 0).toBeGreaterThan(before);
      await ada.evaluate(() => {
        (window as unknown as { __parleyPeerConnections: RTCPeerConnection[] }).__parleyPeerConnections[0]?.restartIce();
      });
      await expect
        .poll(async () => {
          const path = await selectedPath(ada);
          return path?.local.candidateType === 'relay' && path.local.port !== firstPath?.local.port;
        }, { timeout: 30_000 })
        .toBe(true);
      await expectVideoFlowing(bob, 'Ada');
      await expectVideoFlowing(ada, 'Bob');
    });
  });
});
