import type { Browser, Page } from '@playwright/test';
import { ParleyProcess } from '@parley/testbed';
import { HARNESS_DIR } from './harness.js';

/**
 * The SDK harness page (e2e/harness) in a context of its own, served by a
 * server process of its own; `close()` stops both.
 */
export async function openHarness(browser: Browser): Promise<{ page: Page; close: () => Promise<void> }> {
  const server = await ParleyProcess.start({ STATIC_DIR: HARNESS_DIR });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error('[harness] page error:', error));
    await page.goto(`${server.url}/index.html`);
    await page.waitForFunction(() => 'harness' in window);
    return {
      page,
      close: async () => {
        await context.close();
        await server.kill('SIGTERM');
      },
    };
  } catch (error) {
    await context.close();
    await server.kill('SIGTERM');
    throw error;
  }
}
