import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '@parley/testbed';

/**
 * Real Chromium (Debian's, never a downloaded one), fake camera and
 * microphone, the real server as a child process. One worker: a 4-person mesh
 * already takes most of this machine's two cores.
 */
export default defineConfig({
  testDir: './tests',
  globalSetup: './support/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 10_000 },
  outputDir: '.artifacts/test-results',
  reporter: [['list'], ['json', { outputFile: '.artifacts/results.json' }]],
  use: {
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
    trace: 'off',
  },
});
