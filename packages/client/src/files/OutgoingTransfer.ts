import { FILE_HASH_BLOCK_BYTES, type FileEndFrame, type FilePeerMessage } from '@parley/protocol';
import { BlockDigest } from './BlockDigest.js';
import { channelOpen, drained, FileTransfer, newTransferId, type TransferPeer } from './FileTransfer.js';

/**
 * Frames are as large as the peer takes, up to 256 KiB (what Chromium
 * negotiates): each frame is a message event and a copy on both sides, and
 * on this CPU-bound path four times fewer of them is measurably faster than
 * 64 KiB (docs/benchmarks.md, "File transfer"). Every receiver gathers frames
 * of any size, so older ones take these too.
 */
export const MAX_CHUNK_BYTES = 256 * 1024;
/** When the peer's limit is unknown: under every browser's. */
const FALLBACK_CHUNK_BYTES = 64 * 1024;
/**
 * Read the file this much at a time (a whole number of hash blocks): one
 * round trip to the browser process per 4 MiB, and the next read runs while
 * this one is sent.
 */
const READ_BYTES = 4 * FILE_HASH_BLOCK_BYTES;
/**
 * Backpressure: pause above HIGH buffered, resume at LOW. What the page
 * buffers should stay inside the SCTP stack's own send buffer (dcSCTP's
 * default is 2,000,000 bytes per connection). With 8 MiB / 4 MiB marks the
 * e2e probe caught a channel holding 8.4 MiB with nothing delivered for
 * 35 s while the connection and SCTP were up (no `bufferedamountlow` came;
 * the other receiver got one frame every ~2 s). Our reading, not checked in
 * Chromium's source: past that buffer the rest waits in a queue that is not
 * always woken. Below it (1 MiB, as on main and in the bare reference) no
 * stall was seen. HIGH plus a frame is 1.75 MiB, under the 2 MB with room
 * for chat; the 768 KiB between resuming and running dry is ~75 ms at
 * 10 MiB/s for a busy page to answer.
 */
const HIGH_WATER = 1536 * 1024;
export const LOW_WATER = 768 * 1024;

export interface OutgoingLink {
  /** Sends a peer-protocol control message on the link's main channel. */
  sendControl(message: FilePeerMessage): boolean;
  createChannel(label: string): RTCDataChannel;
  /** The largest message the peer accepts (RTCSctpTransport.maxMessageSize), or undefined while unknown. */
  maxMessageSize(): number | undefined;
}

/**
 * Sends one file to one participant: offer, wait for the answer, then stream
 * the file in chunks on a channel of its own; each read, once sent, goes to
 * the page's hashing worker.
 * Holds at most two reads of the file in memory (the one being sent and the
 * next), plus what the channel buffers.
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

    const chunkBytes = Math.min(MAX_CHUNK_BYTES, this.link.maxMessageSize() || FALLBACK_CHUNK_BYTES);
    const digest = new BlockDigest();
    try {
      await this.#stream(channel, chunkBytes, digest);
    } finally {
      digest.drop(); // Nothing once hex() was asked for; else frees what the hasher holds.
    }
  }

  /** Sends the file's bytes, then the end frame with the digest. */
  async #stream(channel: RTCDataChannel, chunkBytes: number, digest: BlockDigest): Promise<void> {
    let reading = this.#read(0);
    for (let offset = 0; offset < this.size; ) {
      const slice = await reading;
      const next = offset + slice.length;
      if (next < this.size) reading = this.#read(next);
      for (let at = 0; at < slice.length; at += chunkBytes) {
        if (this.state !== 'transferring') return;
        if (channel.bufferedAmount > HIGH_WATER) await drained(channel);
        if (this.state !== 'transferring' || channel.readyState !== 'open') return;
        const chunk = slice.subarray(at, at + chunkBytes);
        channel.send(chunk);
        this.addProgress(chunk.length);
      }
      // `send` copied every frame, so the hasher may take the read's buffer itself, without a copy.
      digest.add(slice, true);
      offset = next;
    }
    const end: FileEndFrame = { type: 'file-end', blockListSha256: await digest.hex() };
    if (this.state !== 'transferring' || channel.readyState !== 'open') return;
    channel.send(JSON.stringify(end));
    this.flushProgress();
    this.setState('verifying');
  }

  /**
   * The next READ_BYTES of the file from `offset`. The catch only marks a
   * failure as handled for a read nobody awaits (the transfer stopped first);
   * whoever awaits it still gets the error.
   */
  #read(offset: number): Promise<Uint8Array<ArrayBuffer>> {
    const reading = this.file.slice(offset, offset + READ_BYTES).arrayBuffer().then((buffer) => new Uint8Array(buffer));
    reading.catch(() => undefined);
    return reading;
  }

  #stop(state: 'cancelled' | 'failed', reason: string): void {
    if (!this.setState(state, reason)) return;
    // A failure here (the channel would not open, the file could not be read)
    // may happen before the receiver ever sees our channel: without a word it
    // would wait at 0 % for ever. Cancelling already told it.
    if (state === 'failed') this.link.sendControl({ type: 'file-cancel', transferId: this.id });
    this.#channel?.close();
  }
}
