import { test as base } from '@playwright/test';
import { ParleyProcess } from './ParleyProcess.js';

/** Each test gets its own server process, stopped by PID afterwards. */
export const test = base.extend<{ server: ParleyProcess }>({
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
