import { FILE_HASH_BLOCK_BYTES, type FileEndFrame, type FilePeerMessage } from '@parley/protocol';
import { BlockDigest } from './BlockDigest.js';
import { channelOpen, drained, FileTransfer, newTransferId, type TransferPeer } from './FileTransfer.js';

/**
 * Chromium negotiates a 256 KiB max message size; 64 KiB chunks stay well
 * under it and keep per-message overhead low.
 */
export const CHUNK_BYTES = 64 * 1024;
/** Read the file a hash block at a time: bounded memory, few disk reads. */
const READ_BYTES = FILE_HASH_BLOCK_BYTES;
/**
 * Backpressure (measured here: ~17 MB/s this way; without it Chromium throws
 * "send queue is full" at 16 MiB): pause above HIGH, resume at LOW.
 */
const HIGH_WATER = 1024 * 1024;
export const LOW_WATER = 256 * 1024;

export interface OutgoingLink {
  /** Sends a peer-protocol control message on the link's main channel. */
  sendControl(message: FilePeerMessage): boolean;
  createChannel(label: string): RTCDataChannel;
}

/**
 * Sends one file to one participant: offer, wait for the answer, then stream
 * the file in chunks on a channel of its own, hashing each block as it reads. Never holds
 * more than one read block of the file in memory.
 */
export class OutgoingTransfer extends FileTransfer {
  readonly direction = 'outgoing';
  #channel: RTCDataChannel | undefined;

  constructor(
    readonly file: File,
    peer: TransferPeer,
    private readonly link: OutgoingLink,
  ) {
    super(newTransferId(), file.name || 'file', file.size, file.type, peer);
  }

  /** @internal Sends the offer. */
  offer(): void {
    const sent = this.link.sendControl({ type: 'file-offer', transferId: this.id, name: this.name, size: this.size, mime: this.mime });
    if (!sent) this.setState('failed', `${this.peer.name} cannot be reached`);
  }

  cancel(): void {
    if (this.finished) return;
    this.link.sendControl({ type: 'file-cancel', transferId: this.id });
    this.#stop('cancelled', 'you cancelled');
  }

  /** @internal A control message from the receiver about this transfer. */
  handleControl(message: FilePeerMessage): void {
    switch (message.type) {
      case 'file-answer':
        if (this.state !== 'offered') return;
        if (!message.accept) return void this.setState('declined', `${this.peer.name} declined`);
        void this.#send().catch((error: unknown) => this.#stop('failed', String(error)));
        return;
      case 'file-cancel':
        this.#stop('cancelled', `${this.peer.name} cancelled`);
        return;
      case 'file-received':
        if (this.state === 'verifying') {
          if (message.verified) this.setState('complete');
          else this.setState('failed', 'the file arrived damaged');
        }
        this.#channel?.close();
        return;
      default:
        return;
    }
  }

  /** @internal The link to the receiver is gone. */
  abandon(): void {
    this.#stop('failed', `${this.peer.name} left`);
  }

  async #send(): Promise<void> {
    const channel = this.link.createChannel(`file:${this.id}`);
    channel.binaryType = 'arraybuffer';
    channel.bufferedAmountLowThreshold = LOW_WATER;
    this.#channel = channel;
    channel.addEventListener('close', () => {
      if (!this.finished && this.state !== 'verifying') this.#stop('failed', 'the connection closed');
    });
    await channelOpen(channel);
    if (!this.setState('transferring')) return;

    const digest = new BlockDigest();
    for (let offset = 0; offset < this.size; ) {
      const block = new Uint8Array(await this.file.slice(offset, offset + READ_BYTES).arrayBuffer());
      digest.add(block);
      for (let at = 0; at < block.length; at += CHUNK_BYTES) {
        if (this.state !== 'transferring') return;
        if (channel.bufferedAmount > HIGH_WATER) await drained(channel);
        if (this.state !== 'transferring' || channel.readyState !== 'open') return;
        const chunk = block.subarray(at, at + CHUNK_BYTES);
        channel.send(chunk);
        this.addProgress(chunk.length);
      }
      offset += block.length;
    }
    const end: FileEndFrame = { type: 'file-end', blockListSha256: await digest.hex() };
    if (this.state !== 'transferring' || channel.readyState !== 'open') return;
    channel.send(JSON.stringify(end));
    this.flushProgress();
    this.setState('verifying');
  }

  #stop(state: 'cancelled' | 'failed', reason: string): void {
    if (!this.setState(state, reason)) return;
    this.#channel?.close();
  }
}
