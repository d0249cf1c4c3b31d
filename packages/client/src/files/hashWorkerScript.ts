/**
 * The hashing worker: a dedicated module worker the page starts from a
 * same-origin script (the CSP's `script-src 'self'` allows it; a Blob worker
 * would need `blob:`). Chromium runs `crypto.subtle.digest` on the calling
 * thread, so hashing here keeps ~1.7 s per 48 MiB per page off the thread
 * that handles data channel messages. A receiver's bytes are also written to
 * disk here (OpfsSyncWriter): the buffer the page hands over once is both
 * hashed and stored.
 */
import { FILE_HASH_BLOCK_BYTES } from '@parley/protocol';
import { blockListHex, hashBlocks } from './blockListHex.js';
import type { HashWorkerReply, HashWorkerRequest } from './hashWorkerMessages.js';
import { OpfsSyncWriter } from './OpfsSyncWriter.js';

/** The worker's global scope, typed by hand: the client's lib is DOM, not WebWorker. */
interface WorkerScope {
  postMessage(message: HashWorkerReply): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<HashWorkerRequest>) => void): void;
}

/** One digest in progress: its blocks' hashes, started in order, and where its bytes are stored, if they are. */
interface Digest {
  blocks: Promise<ArrayBuffer>[];
  writer?: OpfsSyncWriter;
}

const scope = self as unknown as WorkerScope;
const digests = new Map<number, Digest>();

function digestOf(id: number): Digest {
  let digest = digests.get(id);
  if (!digest) digests.set(id, (digest = { blocks: [] }));
  return digest;
}

/** The block list digest once every block is hashed and, for a stored file, every byte is on disk. */
async function finish(digest: Digest): Promise<string> {
  const hex = Promise.all(digest.blocks).then(blockListHex);
  hex.catch(() => undefined); // Awaited below, once the file is closed.
  // Closed whatever the hashing does: an open sync access handle would keep the page from removing the file.
  try {
    await digest.writer?.close();
  } catch (error) {
    throw new Error(`could not store the file: ${String(error)}`);
  }
  return hex;
}

scope.addEventListener('message', (event) => {
  const request = event.data;
  switch (request.type) {
    case 'store': {
      const writer = new OpfsSyncWriter(request.entry, (message) => scope.postMessage({ type: 'write-failed', digest: request.digest, message }));
      digestOf(request.digest).writer = writer;
      writer.opened().then(
        () => scope.postMessage({ type: 'store-opened', digest: request.digest }),
        (error: unknown) => scope.postMessage({ type: 'store-failed', digest: request.digest, message: String(error) }),
      );
      return;
    }
    case 'add': {
      const digest = digestOf(request.digest);
      const bytes = new Uint8Array(request.buffer);
      // Web Crypto takes its own copy of each block when the digest starts, so writing the same bytes after is safe.
      digest.blocks.push(...hashBlocks(bytes, FILE_HASH_BLOCK_BYTES));
      digest.writer?.write(bytes);
      return;
    }
    case 'hex': {
      const digest = digestOf(request.digest);
      digests.delete(request.digest);
      finish(digest).then(
        (hex) => scope.postMessage({ type: 'hex', digest: request.digest, hex }),
        (error: unknown) => scope.postMessage({ type: 'failed', digest: request.digest, message: error instanceof Error ? error.message : String(error) }),
      );
      return;
    }
    case 'drop':
      void digests.get(request.digest)?.writer?.remove();
      digests.delete(request.digest);
      return;
  }
});
scope.postMessage({ type: 'ready' });
