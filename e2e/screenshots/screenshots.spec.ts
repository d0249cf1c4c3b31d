import { fileURLToPath } from 'node:url';
import type { Browser, Page } from '@playwright/test';
import { observePeerConnections } from '../support/observePeerConnections.js';
import { expect, freshRoom, test } from '../support/fixtures.js';
import type { ParleyProcess } from '@parley/testbed';

/**
 * Not a test: pictures of every screen at the sizes people use, for a person
 * to look at (`npm run screenshots`). They land in e2e/.artifacts/screenshots.
 */
const OUT = fileURLToPath(new URL('../.artifacts/screenshots/', import.meta.url));
const SIZES = [
  { name: 'desktop', width: 1440, height: 900 },
  { name: 'laptop', width: 1024, height: 768 },
  { name: 'phone', width: 390, height: 844 },
];

async function person(browser: Browser, server: ParleyProcess, room: string, name: string, size: { width: number; height: number }): Promise<Page> {
  const page = await (await browser.newContext({ viewport: size })).newPage();
  await page.addInitScript(observePeerConnections);
  await page.goto(server.roomUrl(room));
  await page.getByRole('textbox', { name: 'Your name' }).fill(name);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(page.getByRole('group', { name: `${name} (you)` })).toBeVisible();
  return page;
}

for (const size of SIZES) {
  test(`screens at ${size.width}x${size.height}`, async ({ browser, server }) => {
    const shot = (page: Page, what: string) => page.screenshot({ path: `${OUT}${size.name}-${what}.png` });
    const landing = await (await browser.newContext({ viewport: size })).newPage();
    await landing.goto(server.url);
    await shot(landing, '1-landing');
    const room = freshRoom();
    await landing.goto(server.roomUrl(room));
    await landing.getByRole('textbox', { name: 'Your name' }).fill('Ada Lovelace');
    await landing.waitForTimeout(1000);
    await shot(landing, '2-prejoin');

    const ada = await person(browser, server, room, 'Ada Lovelace', size);
    const bob = await person(browser, server, room, 'Bob', size);
    await person(browser, server, room, 'Cyd Charisse', size);
    await bob.getByRole('button', { name: 'Turn camera off' }).click();
    await bob.getByRole('button', { name: 'Mute microphone' }).click();
    await bob.getByRole('textbox', { name: 'Message' }).isVisible().then(async (visible) => {
      if (!visible) await bob.getByRole('button', { name: 'Chat', exact: true }).click();
    });
    await bob.getByRole('textbox', { name: 'Message' }).fill('Hello! Notes: https://example.com/notes <b>plain</b>');
    await bob.getByRole('button', { name: 'Send', exact: true }).click();
    await ada.waitForTimeout(2500);
    await shot(ada, '3-call');
    await ada.getByRole('button', { name: 'Share screen' }).click();
    await ada.waitForTimeout(2000);
    await shot(ada, '4-screen-share');
    await ada.getByRole('button', { name: 'Stop sharing screen' }).click();
    await ada.getByRole('button', { name: 'Send file' }).click();
    await ada.waitForTimeout(500);
    await shot(ada, '5-files');
    await ada.getByRole('button', { name: /^Connection to Bob/ }).click();
    await ada.waitForTimeout(2500);
    await shot(ada, '6-details');
    await ada.getByRole('button', { name: 'Leave call' }).click();
    await shot(ada, '7-left');
  });
}
