import { chatLog, expectVideoFlowing, joinCall, linkStats, sendChat } from '../support/call.js';
import { expect, freshRoom, test } from '../support/fixtures.js';

test('once connected, the call goes on for 10 s after the signaling server is killed', async ({ browser, server }) => {
  const room = freshRoom();
  const ada = await joinCall(browser, server, room, 'Ada');
  const bob = await joinCall(browser, server, room, 'Bob');
  await expectVideoFlowing(ada, 'Bob');
  await expectVideoFlowing(bob, 'Ada');

  await server.kill('SIGKILL');
  for (const page of [ada, bob]) {
    await expect(page.getByRole('status').filter({ hasText: 'Reconnecting…' })).toBeVisible();
  }

  const decoded = async () => Promise.all([ada, bob].map(async (page) => (await linkStats(page))[0]?.framesDecoded ?? 0));
  let previous = await decoded();
  for (let second = 1; second <= 10; second++) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const now = await decoded();
    now.forEach((frames, i) => expect(frames, `frames still decoding at ${second} s`).toBeGreaterThan(previous[i] as number));
    previous = now;
  }
  for (const page of [ada, bob]) expect((await linkStats(page))[0]?.connectionState).toBe('connected');

  await sendChat(ada, 'still here without a server');
  await expect(chatLog(bob)).toContainText('still here without a server');
});
