import { test as base } from '@playwright/test';
import { ParleyProcess } from '@parley/testbed';

/**
 * Each test gets its own server process, stopped by PID afterwards. Every
 * browser context a test opens is closed after it: a call left running would
 * keep encoding video (by design it outlives the server) and slow every test after.
 */
export const test = base.extend<{ server: ParleyProcess; closeContexts: void }>({
  closeContexts: [
    async ({ browser }, use) => {
      const before = new Set(browser.contexts());
      await use();
      await Promise.all(browser.contexts().filter((context) => !before.has(context)).map((context) => context.close()));
    },
    { auto: true },
  ],
  server: async ({}, use) => {
    const server = await ParleyProcess.start();
    try {
      await use(server);
    } finally {
      await server.kill('SIGTERM');
    }
  },
});

export { expect } from '@playwright/test';

let roomCounter = 0;
/** A room name of its own for each test. */
export function freshRoom(): string {
  return `e2e-${process.pid}-${++roomCounter}-${Date.now().toString(36)}`;
}
