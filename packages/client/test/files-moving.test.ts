import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FilePeerMessage } from '@parley/protocol';
import { FileTransfers, type IncomingTransfer } from '@parley/client';

/**
 * `files.moving` is what the Room shrinks the camera on (VideoBudget's
 * whileFileMoves): true from the moment a transfer starts moving bytes until
 * the last one stops, in whichever way it stops. In Node, with a link that
 * records control messages and offers that arrive as they would on the wire.
 */
function link(peerId: string) {
  const sent: FilePeerMessage[] = [];
  return {
    sent,
    link: {
      peer: { id: peerId, name: peerId },
      sendControl: (message: FilePeerMessage) => (sent.push(message), true),
      createChannel: (): RTCDataChannel => {
        throw new Error('not in these tests');
      },
      maxMessageSize: () => undefined,
    },
  };
}

function offer(files: FileTransfers, from: ReturnType<typeof link>, transferId: string): IncomingTransfer {
  let offered: IncomingTransfer | undefined;
  const off = files.on('offered', (transfer) => (offered = transfer));
  files.handleControl({ type: 'file-offer', transferId, name: `${transferId}.bin`, size: 1000, mime: '' }, from.link);
  off();
  assert.ok(offered, 'the offer was announced');
  return offered;
}

describe('files.moving: whether a file is on its way', () => {
  it('is false for offers, true while any accepted transfer runs, false once the last one stops', async () => {
    const files = new FileTransfers();
    const changes: boolean[] = [];
    files.on('moving-changed', (moving) => changes.push(moving));
    const ada = link('p-ada');
    const bob = link('p-bob');

    const first = offer(files, ada, 'tr-moving-0001');
    const second = offer(files, bob, 'tr-moving-0002');
    assert.equal(files.moving, false, 'an offer moves nothing');

    first.accept();
    second.accept();
    assert.equal(files.moving, true);
    first.cancel();
    assert.equal(files.moving, true, 'the second still runs');
    files.handleControl({ type: 'file-cancel', transferId: 'tr-moving-0002' }, bob.link);
    assert.equal(files.moving, false, 'the sender cancelled the last one');

    const declined = offer(files, ada, 'tr-moving-0003');
    declined.decline();
    assert.equal(files.moving, false, 'a declined offer never moved');
    assert.deepEqual(changes, [true, false], 'one change each way, not one per transfer');
    console.log(`# moving-changed: ${changes.join(' -> ')}`);
    await files.closeAll();
  });
});
