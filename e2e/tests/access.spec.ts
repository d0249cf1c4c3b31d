import { createHmac } from 'node:crypto';
import type { Browser, Page } from '@playwright/test';
import { ParleyProcess } from '@parley/testbed';
import { expectVideoFlowing, tile } from '../support/call.js';
import { observePeerConnections } from '../support/observePeerConnections.js';
import { expect, freshRoom, test } from '../support/fixtures.js';

/** Opens a room link in a fresh context and fills in the pre-join form, without pressing Join. */
async function openRoom(browser: Browser, url: string, name?: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await page.addInitScript(observePeerConnections);
  page.on('pageerror', (error) => console.error(`[${name ?? 'page'}] page error:`, error));
  await page.goto(url);
  if (name !== undefined) await page.getByRole('textbox', { name: 'Your name' }).fill(name);
  return page;
}

async function pressJoin(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Join', exact: true }).click();
}

async function inCall(page: Page, name: string): Promise<void> {
  await expect(page.getByRole('group', { name: `${name} (you)` })).toBeVisible();
}

/** An HS256 room token signed as an embedding product would (node:crypto, no library). */
function roomToken(secret: string, claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

test('a password set by the creator: a joiner is asked for it, a wrong one is refused, the right one joins', async ({ browser, server }) => {
  const room = freshRoom();
  const ada = await openRoom(browser, server.roomUrl(room), 'Ada');
  await ada.getByLabel('Password (optional)').fill('open sesame');
  await pressJoin(ada);
  await inCall(ada, 'Ada');

  const bob = await openRoom(browser, server.roomUrl(room), 'Bob');
  const started = Date.now();
  await pressJoin(bob);
  await expect(bob.getByRole('alert')).toHaveText('This call has a password. Type it to join.');
  const field = bob.getByLabel('Password of this call');
  await expect(field).toBeFocused();
  await field.fill('open sesame?');
  await pressJoin(bob);
  await expect(bob.getByRole('alert')).toHaveText('That password is not right. Try again.');
  await expect(field).toHaveValue('');
  await expect(tile(ada, 'Bob')).toHaveCount(0);
  await field.fill('open sesame');
  await pressJoin(bob);
  await inCall(bob, 'Bob');
  console.log(`# prompt, wrong password, right password: in the call ${Date.now() - started} ms after the first Join`);
  await expectVideoFlowing(ada, 'Bob');
  await expectVideoFlowing(bob, 'Ada');
});

test('lobby: a newcomer waits, the host admits one and denies another; a host removes a participant', async ({ browser, server }) => {
  const room = freshRoom();
  const ada = await openRoom(browser, server.roomUrl(room), 'Ada');
  await ada.getByRole('checkbox', { name: /Ask me before letting people in/ }).check();
  await pressJoin(ada);
  await inCall(ada, 'Ada');

  const bob = await openRoom(browser, server.roomUrl(room), 'Bob');
  const knockedAt = Date.now();
  await pressJoin(bob);
  await expect(bob.getByRole('heading', { name: 'Waiting to be let in' })).toBeVisible();
  const lobby = ada.getByRole('region', { name: 'Waiting to join' });
  await expect(lobby).toContainText('Bob');
  const knockSeenMs = Date.now() - knockedAt;
  await ada.getByRole('button', { name: 'Admit Bob' }).click();
  await inCall(bob, 'Bob');
  const admittedMs = Date.now() - knockedAt;
  await expect(lobby).toHaveCount(0);
  await expectVideoFlowing(ada, 'Bob');
  await expectVideoFlowing(bob, 'Ada');

  const carl = await openRoom(browser, server.roomUrl(room), 'Carl');
  await pressJoin(carl);
  await expect(carl.getByRole('heading', { name: 'Waiting to be let in' })).toBeVisible();
  await ada.getByRole('button', { name: 'Deny Carl' }).click();
  await expect(carl.getByRole('alert')).toHaveText('You were not let in to this call.');
  await expect(tile(ada, 'Carl')).toHaveCount(0);
  await expect(tile(bob, 'Carl')).toHaveCount(0);
  // Guests have no host controls.
  await bob.getByRole('button', { name: 'Participants' }).click();
  await expect(bob.getByRole('button', { name: /^Remove / })).toHaveCount(0);

  await ada.getByRole('button', { name: 'Participants' }).click();
  await ada.getByRole('button', { name: 'Remove Bob' }).click();
  await expect(bob.getByRole('heading', { name: 'You were removed from the call' })).toBeVisible();
  await expect(bob.getByText('Ada removed you from the call')).toBeVisible();
  await expect(tile(ada, 'Bob')).toHaveCount(0, { timeout: 2_000 });
  // Bob's tab stopped everything it had: no peer connection left open.
  await expect
    .poll(() => bob.evaluate(() => (window as unknown as { __parleyPeerConnections: RTCPeerConnection[] }).__parleyPeerConnections.filter((pc) => pc.connectionState !== 'closed').length))
    .toBe(0);
  console.log(`# knock seen by the host after ${knockSeenMs} ms; admitted and in the call ${admittedMs} ms after Join`);
});

test('room tokens from the link: the name comes from the token, the token leaves the address bar, no token no entry', async ({ browser }) => {
  const secret = 'e2e-jwt-secret-that-is-long-enough-for-hs256';
  const server = await ParleyProcess.start({ JWT_SECRET: secret });
  try {
    const room = freshRoom();
    const exp = Math.floor(Date.now() / 1000) + 600;
    const ada = await openRoom(browser, `${server.roomUrl(room)}?token=${roomToken(secret, { room, name: 'Ada Embedded', exp, role: 'host' })}`);
    await expect(ada.getByText('You join as “Ada Embedded”.')).toBeVisible();
    await expect(ada.getByRole('textbox', { name: 'Your name' })).toHaveCount(0);
    expect(ada.url()).not.toContain('token');
    await pressJoin(ada);
    await inCall(ada, 'Ada Embedded');

    const nobody = await openRoom(browser, server.roomUrl(room), 'Nobody');
    await pressJoin(nobody);
    await expect(nobody.getByRole('alert')).toHaveText('This call can only be joined from the link you were given.');

    const otherRoom = roomToken(secret, { room: `${room}-other`, name: 'Mallory', exp });
    const mallory = await openRoom(browser, `${server.roomUrl(room)}?token=${otherRoom}`);
    await pressJoin(mallory);
    await expect(mallory.getByRole('alert')).toHaveText('Your link to this call is not valid or has expired. Ask for a new one.');
    await expect(tile(ada, 'Mallory')).toHaveCount(0);

    const bob = await openRoom(browser, `${server.roomUrl(room)}?token=${roomToken(secret, { room, name: 'Bob Embedded', exp })}`);
    await pressJoin(bob);
    await inCall(bob, 'Bob Embedded');
    await expectVideoFlowing(ada, 'Bob Embedded');
  } finally {
    await server.kill('SIGTERM');
  }
});
