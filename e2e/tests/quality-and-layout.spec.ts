import type { Page } from '@playwright/test';
import { ParleyProcess } from '@parley/testbed';
import { expectVideoFlowing, joinCallInOrder, tile } from '../support/call.js';
import { expect, freshRoom, test } from '../support/fixtures.js';

/**
 * Both tests only look at a running call of three, so they share one: the pin
 * test first (it puts the layout back as it found it), then the quality test,
 * which mutes Bob and Cyd. Joining once saves three joins and a server start.
 */
test.describe.configure({ mode: 'serial' });

let server: ParleyProcess;
let ada: Page;
let bob: Page;
let cyd: Page;

test.beforeAll(async ({ browser }) => {
  server = await ParleyProcess.start();
  const room = freshRoom();
  [ada, bob, cyd] = (await joinCallInOrder(browser, server, room, ['Ada', 'Bob', 'Cyd'])) as [Page, Page, Page];
});

test.afterAll(async () => {
  await Promise.all([ada, bob, cyd].filter(Boolean).map((page) => page.context().close()));
  await server?.kill('SIGTERM');
});

test('a pinned tile is shown large, and unpinning puts it back', async () => {
  const area = async (name: string) => {
    const box = await tile(ada, name).boundingBox();
    return (box?.width ?? 0) * (box?.height ?? 0);
  };
  await expect(tile(ada, 'Cyd')).toBeVisible();
  await tile(ada, 'Bob').hover();
  await tile(ada, 'Bob').getByRole('button', { name: 'Pin Bob' }).click();
  await expect(tile(ada, 'Bob')).toHaveAttribute('data-pinned', 'true');
  await expect.poll(async () => (await area('Bob')) / (await area('Cyd'))).toBeGreaterThan(3);
  await expectVideoFlowing(ada, 'Bob');
  await tile(ada, 'Bob').getByRole('button', { name: 'Unpin Bob' }).click();
  await expect.poll(async () => (await area('Bob')) / (await area('Cyd'))).toBeLessThan(1.5);
  await expect(tile(ada, 'Bob')).not.toHaveAttribute('data-pinned', 'true');
});

test('each tile shows its link quality, and the details show the whole mesh as every participant reports it', async () => {
  await expectVideoFlowing(ada, 'Bob');
  await expectVideoFlowing(ada, 'Cyd');

  for (const name of ['Bob', 'Cyd']) {
    const badge = tile(ada, name).getByRole('button', { name: new RegExp(`^Connection to ${name}:`) });
    await expect(badge).toHaveAttribute('aria-label', new RegExp(`^Connection to ${name}: (good|fair|poor), \\d+ ms round trip, [\\d.]+% loss, direct over UDP$`), {
      timeout: 15_000,
    });
  }

  await tile(ada, 'Bob').getByRole('button', { name: /^Connection to Bob:/ }).click();
  const details = ada.getByRole('complementary', { name: 'Connection details' });
  await expect(details.getByRole('listitem').filter({ hasText: 'Bob' })).toContainText(/\d+ ms · [\d.]+% loss/);
  // A link Ada is not part of: known only because Bob shares his measurements.
  const bobToCyd = details.getByRole('cell', { name: 'Bob to Cyd' });
  await expect(bobToCyd).toContainText(/\d+ ms/, { timeout: 15_000 });
  await expect(bobToCyd).toContainText('direct over UDP');
  await expect(details.getByRole('cell', { name: 'Cyd to Bob' })).toContainText(/\d+ ms/);
  await expect(details.getByRole('cell', { name: 'Ada (you) to Cyd' })).toContainText(/\d+ ms/);

  await test.step('the active speaker is highlighted', async () => {
    for (const page of [bob, cyd]) await page.getByRole('button', { name: 'Mute microphone' }).click();
    await expect(tile(bob, 'Ada')).toHaveAttribute('data-speaking', 'true', { timeout: 15_000 });
    await expect(tile(bob, 'Cyd')).not.toHaveAttribute('data-speaking', 'true');
  });
});
