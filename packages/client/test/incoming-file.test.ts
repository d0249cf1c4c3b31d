import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { FILE_HASH_BLOCK_BYTES, type FilePeerMessage } from '@parley/protocol';
import { IncomingTransfer, type TransferState } from '@parley/client';

/**
 * The receiver's side of a file transfer, in Node: frames of any size are
 * gathered into hash blocks, and the file is complete only when the block
 * list digest matches. (Node has Web Crypto and File but no OPFS, so the
 * transfer falls back to its in-memory sink.) The expected digest is computed
 * here with node:crypto, independently of BlockDigest.
 */

const WAIT_MS = 5_000;

function blockListSha256(bytes: Uint8Array): string {
  const list = createHash('sha256');
  for (let at = 0; at < bytes.length; at += FILE_HASH_BLOCK_BYTES) {
    list.update(createHash('sha256').update(bytes.subarray(at, at + FILE_HASH_BLOCK_BYTES)).digest());
  }
  return list.digest('hex');
}

/** The sender's data channel as the transfer sees it: messages in, close out. */
class FakeChannel extends EventTarget {
  binaryType = 'blob';
  closed = false;
  close(): void {
    this.closed = true;
  }
  deliver(data: ArrayBuffer | string): void {
    this.dispatchEvent(new MessageEvent('message', { data }));
  }
}

function receive(size: number) {
  const sent: FilePeerMessage[] = [];
  const transfer = new IncomingTransfer(
    { type: 'file-offer', transferId: 'tr-unit-0001', name: 'odd.bin', size, mime: 'application/octet-stream' },
    { id: 'p-sender', name: 'Ada' },
    { sendControl: (message) => (sent.push(message), true) },
  );
  const channel = new FakeChannel();
  transfer.accept();
  transfer.attachChannel(channel as unknown as RTCDataChannel);
  const settled = new Promise<TransferState>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no final state within ${WAIT_MS} ms (now ${transfer.state})`)), WAIT_MS);
    transfer.on('state-changed', (state) => {
      if (transfer.finished) {
        clearTimeout(timer);
        resolve(state);
      }
    });
  });
  return { transfer, channel, sent, settled };
}

/** Cuts `bytes` into frames of the given sizes, cycling through them. */
function frames(bytes: Uint8Array, sizes: number[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i += 1) {
    const size = Math.min(sizes[i % sizes.length]!, bytes.length - at);
    out.push(bytes.slice(at, at + size).buffer);
    at += size;
  }
  return out;
}

describe('a received file: blocks from frames of any size', () => {
  it('frames that straddle block boundaries give back the same bytes and a matching digest', async () => {
    // 2 blocks and a bit; frame sizes that never line up with a block and one larger than a block.
    const bytes = new Uint8Array(randomBytes(2 * FILE_HASH_BLOCK_BYTES + 12_345));
    const { transfer, channel, sent, settled } = receive(bytes.length);
    const sizes = [65_537, 3, 1_000_001, 1, FILE_HASH_BLOCK_BYTES + 7];
    const cut = frames(bytes, sizes);
    for (const frame of cut) channel.deliver(frame);
    channel.deliver(JSON.stringify({ type: 'file-end', blockListSha256: blockListSha256(bytes) }));

    assert.equal(await settled, 'complete', transfer.reason ?? '');
    const file = transfer.file;
    assert.ok(file, 'the verified file is handed over');
    assert.equal(file.size, bytes.length);
    assert.deepEqual(new Uint8Array(await file.arrayBuffer()), bytes, 'byte for byte');
    assert.deepEqual(sent.at(-1), { type: 'file-received', transferId: 'tr-unit-0001', verified: true });
    assert.equal(transfer.bytesTransferred, bytes.length);
    console.log(`# ${bytes.length} bytes in ${cut.length} frames of ${sizes.join('/')} bytes: verified`);
  });

  it('frames before and after the sink opens, across several write buffers, keep their order', async () => {
    // The receiver writes in buffers of four hash blocks: 9 blocks and a bit spans three of them, the last short.
    const bytes = new Uint8Array(randomBytes(9 * FILE_HASH_BLOCK_BYTES + 4_321));
    const { transfer, channel, settled } = receive(bytes.length);
    const cut = frames(bytes, [262_144, 65_536, 100_003, 262_144]);
    const early = Math.floor(cut.length / 3);
    // The first third arrives while the sink is still opening, the rest once it is open (handled at once, in the handler).
    for (const frame of cut.slice(0, early)) channel.deliver(frame);
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const frame of cut.slice(early)) channel.deliver(frame);
    channel.deliver(JSON.stringify({ type: 'file-end', blockListSha256: blockListSha256(bytes) }));
    assert.equal(await settled, 'complete', transfer.reason ?? '');
    assert.deepEqual(new Uint8Array(await transfer.file!.arrayBuffer()), bytes, 'byte for byte');
    console.log(`# ${bytes.length} bytes in ${cut.length} frames, ${early} before the sink opened: verified`);
  });

  it('a file of exactly one block ends with no partial block', async () => {
    const bytes = new Uint8Array(randomBytes(FILE_HASH_BLOCK_BYTES));
    const { transfer, channel, settled } = receive(bytes.length);
    for (const frame of frames(bytes, [100_000])) channel.deliver(frame);
    channel.deliver(JSON.stringify({ type: 'file-end', blockListSha256: blockListSha256(bytes) }));
    assert.equal(await settled, 'complete', transfer.reason ?? '');
    assert.equal(transfer.file?.size, bytes.length);
  });

  it('one altered byte is caught and nothing is handed over', async () => {
    const bytes = new Uint8Array(randomBytes(FILE_HASH_BLOCK_BYTES + 999));
    const digest = blockListSha256(bytes);
    const altered = FILE_HASH_BLOCK_BYTES + 500;
    bytes[altered] = bytes[altered]! ^ 0x01;
    const { transfer, channel, sent, settled } = receive(bytes.length);
    for (const frame of frames(bytes, [70_000, 13])) channel.deliver(frame);
    channel.deliver(JSON.stringify({ type: 'file-end', blockListSha256: digest }));
    assert.equal(await settled, 'failed');
    assert.match(transfer.reason ?? '', /SHA-256 mismatch/);
    assert.equal(transfer.file, null);
    assert.deepEqual(sent.at(-1), { type: 'file-received', transferId: 'tr-unit-0001', verified: false });
    assert.ok(channel.closed);
  });

  it('more bytes than offered stop the transfer', async () => {
    const bytes = new Uint8Array(randomBytes(50_000));
    const { transfer, channel, settled } = receive(bytes.length - 1);
    for (const frame of frames(bytes, [30_000])) channel.deliver(frame);
    assert.equal(await settled, 'failed');
    assert.match(transfer.reason ?? '', /more data arrived than offered/);
    assert.equal(transfer.file, null);
  });

  it('a malformed end frame breaks the protocol and hands nothing over', async () => {
    const bytes = new Uint8Array(randomBytes(4_000));
    const { transfer, channel, settled } = receive(bytes.length);
    channel.deliver(bytes.slice().buffer);
    channel.deliver(JSON.stringify({ type: 'file-end', blockListSha256: 'not-hex' }));
    assert.equal(await settled, 'failed');
    assert.match(transfer.reason ?? '', /broke the file protocol/);
    assert.equal(transfer.file, null);
  });
});
