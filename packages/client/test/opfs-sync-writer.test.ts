import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// Not part of the SDK's API: the built module, reached from dist-test as from test/.
import { OpfsSyncWriter } from '../dist/files/OpfsSyncWriter.js';

/**
 * An OPFS directory with one file whose sync access handle writes into
 * memory and throws on the write numbered `failAt` (a full disk, say).
 * Node has no OPFS; what is tested is the writer's order and failure rules.
 */
function directory(failAt: number) {
  const writes: { at: number; length: number }[] = [];
  let closed = 0;
  let flushed = 0;
  const handle = {
    write(buffer: Uint8Array, options: { at: number }): number {
      if (writes.length + 1 === failAt) throw new Error('QuotaExceededError: the disk is full');
      writes.push({ at: options.at, length: buffer.length });
      return buffer.length;
    },
    flush: () => void flushed++,
    close: () => void closed++,
  };
  const dir = {
    getFileHandle: async () => ({ createSyncAccessHandle: async () => handle }),
    removeEntry: async () => undefined,
  } as unknown as FileSystemDirectoryHandle;
  return { dir: Promise.resolve(dir), writes, closed: () => closed, flushed: () => flushed };
}

const bytes = (n: number) => new Uint8Array(new ArrayBuffer(n));

describe('OpfsSyncWriter', () => {
  it('writes in order, each at its offset, then flushes and closes once', async () => {
    const disk = directory(0);
    const failures: string[] = [];
    const writer = new OpfsSyncWriter('parley-t1', (reason) => failures.push(reason), disk.dir);
    for (const n of [4, 8, 2]) writer.write(bytes(n));
    await writer.close();
    await writer.close();
    assert.deepEqual(disk.writes, [
      { at: 0, length: 4 },
      { at: 4, length: 8 },
      { at: 12, length: 2 },
    ]);
    assert.deepEqual([disk.flushed(), disk.closed(), failures.length], [1, 1, 0]);
  });

  it('tells the first failed write at once, writes nothing after it, and close() rejects with it', async () => {
    const disk = directory(2);
    const failures: string[] = [];
    const writer = new OpfsSyncWriter('parley-t2', (reason) => failures.push(reason), disk.dir);
    for (let i = 0; i < 4; i++) writer.write(bytes(4));
    // The failure is told before anyone closes the file: a transfer can stop without the rest of it.
    for (let i = 0; i < 20 && failures.length === 0; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(failures, ['Error: QuotaExceededError: the disk is full']);
    await assert.rejects(writer.close(), /the disk is full/);
    assert.deepEqual(disk.writes, [{ at: 0, length: 4 }]);
    assert.equal(disk.flushed(), 0, 'nothing to flush after a failure');
    assert.equal(disk.closed(), 1);
    assert.equal(failures.length, 1, 'told once');
  });
});
