import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export const HARNESS_DIR = fileURLToPath(new URL('../.artifacts/harness', import.meta.url));

/** Bundles the SDK harness page (the real client SDK) once per run. */
export async function buildHarness(): Promise<void> {
  await build({
    root: fileURLToPath(new URL('../harness', import.meta.url)),
    logLevel: 'warn',
    build: { outDir: HARNESS_DIR, emptyOutDir: true, target: 'es2022' },
  });
}
