import type { Page } from '@playwright/test';
import type { Harness, Pair, RelayTiming } from '../harness/harness.js';
import { HARNESS_DIR } from './harness.js';
import { ParleyProcess } from '@parley/testbed';
import { test as base } from './fixtures.js';

declare global {
  interface Window {
    harness: Harness;
    pair: Pair;
  }
}

/**
 * A page with the SDK harness loaded (the real client SDK, see harness/harness.ts),
 * served by a server of its own so the page has a secure origin for the camera.
 */
export const test = base.extend<{ harness: Page }>({
  harness: async ({ browser }, use) => {
    const server = await ParleyProcess.start({ STATIC_DIR: HARNESS_DIR });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/index.html`);
    await page.waitForFunction(() => 'harness' in window);
    try {
      await use(page);
    } finally {
      await context.close();
      await server.kill('SIGTERM');
    }
  },
});

/** Wires a PeerLink pair in the page (as `window.pair`) and waits until it is connected. */
export async function makePair(page: Page, timing: RelayTiming = {}): Promise<void> {
  await page.evaluate(async (timing) => {
    window.pair = await window.harness.makePair(timing);
    await window.harness.connected(window.pair);
  }, timing);
}
