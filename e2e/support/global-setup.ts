import { buildHarness } from './harness.js';

export default async function globalSetup(): Promise<void> {
  await buildHarness();
}
