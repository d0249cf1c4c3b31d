/**
 * The hashing worker: a dedicated module worker the page starts from a
 * same-origin script (the CSP's `script-src 'self'` allows it; a Blob worker
 * would need `blob:`). Chromium runs `crypto.subtle.digest` on the calling
 * thread, so hashing here keeps ~1.7 s per 48 MiB per page off the thread
 * that handles data channel messages.
 */
import { FILE_HASH_BLOCK_BYTES } from '@parley/protocol';
import { blockListHex, hashBlocks } from './blockListHex.js';
import type { HashWorkerReply, HashWorkerRequest } from './hashWorkerMessages.js';

/** The worker's global scope, typed by hand: the client's lib is DOM, not WebWorker. */
interface WorkerScope {
  postMessage(message: HashWorkerReply): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<HashWorkerRequest>) => void): void;
}

const scope = self as unknown as WorkerScope;
const digests = new Map<number, Promise<ArrayBuffer>[]>();

scope.addEventListener('message', (event) => {
  const request = event.data;
  switch (request.type) {
    case 'add': {
      const blocks = digests.get(request.digest) ?? [];
      blocks.push(...hashBlocks(new Uint8Array(request.buffer), FILE_HASH_BLOCK_BYTES));
      digests.set(request.digest, blocks);
      return;
    }
    case 'hex': {
      const blocks = digests.get(request.digest) ?? [];
      digests.delete(request.digest);
      Promise.all(blocks)
        .then(blockListHex)
        .then(
          (hex) => scope.postMessage({ type: 'hex', digest: request.digest, hex }),
          (error: unknown) => scope.postMessage({ type: 'failed', digest: request.digest, message: String(error) }),
        );
      return;
    }
    case 'drop':
      digests.delete(request.digest);
      return;
  }
});
scope.postMessage({ type: 'ready' });
