import type { Browser, Page } from '@playwright/test';
import { ParleyProcess } from '@parley/testbed';
import { expectVideoFlowing, joinCall } from '../support/call.js';
import { expect, freshRoom, test } from '../support/fixtures.js';
import { observePeerConnections } from '../support/observePeerConnections.js';
import { observeSockets, socketLog, type SocketLog } from '../support/observeSockets.js';

/*
 * The signaling connection opens while the person is on the pre-join screen,
 * so the click on "Join" only sends the join (SignalingPreconnect). The
 * server closes a connection that joins no room within JOIN_TIMEOUT_MS: the
 * pre-join screen then reconnects quietly, and a late click still joins.
 */

async function openPreJoin(browser: Browser, server: ParleyProcess, room: string, name: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1024, height: 768 } })).newPage();
  await page.addInitScript(observeSockets);
  await page.addInitScript(observePeerConnections);
  page.on('pageerror', (error) => console.error(`[${name}] page error:`, error));
  await page.goto(server.roomUrl(room));
  await page.getByRole('textbox', { name: 'Your name' }).fill(name);
  return page;
}

/** The socket the join went out on, and how many sockets the page made after the click. */
function joinSocket(log: SocketLog) {
  const socket = log.sockets.find((record) => record.sent.includes('join'));
  return { socket, madeAfterClick: log.sockets.filter((record) => record.createdAt >= log.joinClickedAt).length };
}

test('the join goes out on the connection opened on the pre-join screen', async ({ browser, server }) => {
  const room = freshRoom();
  const ada = await openPreJoin(browser, server, room, 'Ada');
  await expect.poll(async () => (await socketLog(ada)).sockets.filter((s) => s.openedAt && !s.closedAt).length).toBe(1);
  const before = await socketLog(ada);
  // Nothing is said before the click: the server learns of the person only when they join.
  expect(before.sockets[0]?.sent).toEqual([]);

  await ada.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(ada.getByRole('group', { name: 'Ada (you)' })).toBeVisible();
  const log = await socketLog(ada);
  const { socket, madeAfterClick } = joinSocket(log);
  console.log(
    `Ada: socket open ${(socket?.openedAt ?? 0) - (socket?.createdAt ?? 0)} ms, ${log.joinClickedAt - (socket?.openedAt ?? 0)} ms before the click; ` +
      `${madeAfterClick} sockets made after the click; messages on it: ${socket?.sent.slice(0, 3).join(', ')}`,
  );
  expect(socket?.openedAt).toBeLessThan(log.joinClickedAt);
  expect(socket?.sent[0]).toBe('join');
  expect(madeAfterClick).toBe(0);

  const bob = await joinCall(browser, server, room, 'Bob');
  await expectVideoFlowing(ada, 'Bob');
  await expectVideoFlowing(bob, 'Ada');
});

test('a pre-join screen left open past the join timeout reconnects quietly and still joins', async ({ browser }) => {
  // The server closes a roomless connection after 1 s (checked at each 0.5 s heartbeat).
  const server = await ParleyProcess.start({ JOIN_TIMEOUT_MS: '1000', HEARTBEAT_INTERVAL_MS: '500' });
  try {
    const room = freshRoom();
    const ada = await openPreJoin(browser, server, room, 'Ada');
    await test.step('the server closes the idle connection, and the page opens another', async () => {
      await expect
        .poll(async () => {
          const { sockets } = await socketLog(ada);
          return sockets.some((s) => s.closeCode === 1008) && sockets.some((s) => s.openedAt && !s.closedAt);
        }, { timeout: 10_000 })
        .toBe(true);
    });
    await expect(ada.getByRole('alert')).toHaveCount(0);

    await ada.getByRole('button', { name: 'Join', exact: true }).click();
    await expect(ada.getByRole('group', { name: 'Ada (you)' })).toBeVisible();
    const log = await socketLog(ada);
    const closedByServer = log.sockets.filter((s) => s.closeCode === 1008).length;
    const { socket } = joinSocket(log);
    console.log(`Ada: ${log.sockets.length} sockets before joining, ${closedByServer} closed by the server's join timeout; joined on one made ${log.joinClickedAt - (socket?.createdAt ?? 0)} ms before the click`);
    expect(closedByServer).toBeGreaterThan(0);
    expect(socket).toBeDefined();

    // Still in the call once the join timeout has passed again: the taken connection is in a room now.
    await ada.waitForTimeout(2_000);
    const bob = await joinCall(browser, server, room, 'Bob');
    await expectVideoFlowing(bob, 'Ada');
    await expectVideoFlowing(ada, 'Bob');
    const now = joinSocket(await socketLog(ada)).socket;
    expect(now?.closedAt).toBeUndefined();
  } finally {
    await server.kill('SIGTERM');
  }
});
