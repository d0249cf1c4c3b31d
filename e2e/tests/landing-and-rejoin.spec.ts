import { chatLog, expectVideoFlowing, joinCall, sendChat, tile } from '../support/call.js';
import { expect, freshRoom, test } from '../support/fixtures.js';

test('"New meeting" makes an unguessable room, its invite link can be copied, and a pasted link joins it', async ({ browser, server }) => {
  const context = await browser.newContext();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const ada = await context.newPage();
  await ada.goto(server.url);
  await ada.getByRole('button', { name: 'New meeting' }).click();
  await expect(ada).toHaveURL(/\/r\/[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
  const roomUrl = ada.url();

  await ada.getByRole('button', { name: 'Copy invite link' }).click();
  await expect(ada.getByRole('button', { name: 'Link copied' })).toBeVisible();
  expect(await ada.evaluate(() => navigator.clipboard.readText())).toBe(roomUrl);

  const bob = await (await browser.newContext()).newPage();
  await bob.goto(server.url);
  await bob.getByRole('textbox', { name: 'Room name or link' }).fill('not a room!');
  await bob.getByRole('button', { name: 'Join' }).click();
  await expect(bob.getByRole('alert')).toContainText('not a room name or a Parley link');
  await bob.getByRole('textbox', { name: 'Room name or link' }).fill(roomUrl);
  await bob.getByRole('button', { name: 'Join' }).click();
  await expect(bob).toHaveURL(roomUrl);

  // Two new meetings never share a name.
  await ada.goto(server.url);
  await ada.getByRole('button', { name: 'New meeting' }).click();
  await expect(ada).not.toHaveURL(roomUrl);
});

test('chat counts unread messages while closed; leaving offers Rejoin, which works', async ({ browser, server }) => {
  const room = freshRoom();
  const ada = await joinCall(browser, server, room, 'Ada');
  const bob = await joinCall(browser, server, room, 'Bob');
  await bob.getByRole('button', { name: 'Chat', exact: true }).click();
  await expect(bob.getByRole('button', { name: 'Chat', exact: true })).toHaveAttribute('aria-pressed', 'false');
  await sendChat(ada, 'one');
  await sendChat(ada, 'two https://example.com <script>alert(1)</script>');
  await expect(bob.getByLabel('2 unread')).toBeVisible();
  await bob.getByRole('button', { name: 'Chat', exact: true }).click();
  await expect(chatLog(bob)).toContainText('two https://example.com <script>alert(1)</script>');
  await expect(chatLog(bob).getByRole('link')).toHaveCount(0);
  await expect(bob.getByLabel(/unread/)).toHaveCount(0);

  await bob.getByRole('button', { name: 'Leave call' }).click();
  await expect(tile(ada, 'Bob')).toHaveCount(0, { timeout: 2_000 });
  await bob.getByRole('button', { name: 'Rejoin' }).click();
  await bob.getByRole('button', { name: 'Join', exact: true }).click();
  await expectVideoFlowing(ada, 'Bob');
  await expectVideoFlowing(bob, 'Ada');
});
