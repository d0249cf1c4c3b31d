import { chromium } from '@playwright/test';
import { NetworkLab } from '@parley/testbed';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '@parley/testbed';
import { expectVideoFlowing, joinCall, openPeerConnections, tile } from '../support/call.js';
import { expect, freshRoom, test } from '../support/fixtures.js';
import { NatCall } from '../support/natCall.js';

function report(what: string, ms: number): void {
  test.info().annotations.push({ type: 'vanish', description: `${what}: ${ms} ms` });
  console.log(`[vanish] ${what}: gone for the others after ${ms} ms`);
}

test('a tab closed without "Leave" disappears for the others within 1 s', async ({ browser, server }) => {
  const room = freshRoom();
  const ada = await joinCall(browser, server, room, 'Ada');
  const bob = await joinCall(browser, server, room, 'Bob');
  await expectVideoFlowing(ada, 'Bob');
  const closedAt = Date.now();
  await bob.close();
  await expect(tile(ada, 'Bob')).toHaveCount(0, { timeout: 1_000 });
  report('tab closed', Date.now() - closedAt);
  expect(await openPeerConnections(ada)).toBe(0);
});

test('a browser killed mid-call disappears within 15 s and frees its place in the room', async ({ browser, server }) => {
  const room = freshRoom();
  const ada = await joinCall(browser, server, room, 'Ada');
  const doomedServer = await chromium.launchServer({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const doomed = await chromium.connect(doomedServer.wsEndpoint());
  try {
    await joinCall(doomed, server, room, 'Bob');
    await expectVideoFlowing(ada, 'Bob');
    const pid = doomedServer.process().pid;
    if (!pid) throw new Error('no browser pid');
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    await expect(tile(ada, 'Bob')).toHaveCount(0, { timeout: 15_000 });
    report('browser killed', Date.now() - killedAt);
    expect(await openPeerConnections(ada)).toBe(0);
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as { participants: number };
    expect(health.participants).toBe(1);
  } finally {
    await doomedServer.kill();
  }
});

test('a browser cut off the network (no TCP close) disappears within 15 s by heartbeat', async () => {
  const lab = await NetworkLab.available();
  test.skip(!lab.ok, `network namespaces unavailable: ${lab.ok ? '' : lab.why}`);
  await NatCall.withTwoPeople({ kinds: ['cone', 'cone'] }, async ({ call, ada }) => {
    const bobsHome = call.homes[1];
    if (!bobsHome) throw new Error('no home');
    const cutAt = Date.now();
    await call.topology.cut(bobsHome);
    await expect(tile(ada, 'Bob')).toHaveCount(0, { timeout: 15_000 });
    report('network cut', Date.now() - cutAt);
    expect(await openPeerConnections(ada)).toBe(0);
  });
});
