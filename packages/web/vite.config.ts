import { defineConfig } from 'vite';

/**
 * The app is served by the Parley server itself (same origin as /ws), so the
 * dev server proxies the signaling socket to a running server on :3000.
 */
export default defineConfig({
  build: {
    target: 'es2022',
    sourcemap: true,
    // Budget: the whole app, React included, stays small enough to open fast on a phone.
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: { '/ws': { target: 'ws://127.0.0.1:3000', ws: true } },
  },
});
