import { decodeFileEndFrame, FILE_HASH_BLOCK_BYTES, type FileOfferPeerMessage, type FilePeerMessage } from '@parley/protocol';
import { BlockDigest } from './BlockDigest.js';
import { FileTransfer, type TransferPeer } from './FileTransfer.js';
import { openSink, type FileSink } from './FileSink.js';

export interface IncomingLink {
  sendControl(message: FilePeerMessage): boolean;
}

/**
 * A file someone offers us. Nothing is received until `accept()`. The bytes
 * are gathered into hash blocks, and each block is hashed and written to disk
 * (OPFS) at once: one write per MiB rather than per frame, each a round trip
 * to the browser process. `file` is set only once the digest matches what the
 * sender computed.
 */
export class IncomingTransfer extends FileTransfer {
  readonly direction = 'incoming';
  /** The verified file, once `state` is `complete`. */
  file: File | null = null;
  #sink: FileSink | undefined;
  #sinkReady: Promise<FileSink> | undefined;
  #channel: RTCDataChannel | undefined;
  readonly #digest = new BlockDigest();
  /** The hash block being filled, and how much of it is. */
  #block = new Uint8Array(FILE_HASH_BLOCK_BYTES);
  #blockFill = 0;
  #received = 0;

  constructor(
    offer: FileOfferPeerMessage,
    peer: TransferPeer,
    private readonly link: IncomingLink,
  ) {
    super(offer.transferId, offer.name, offer.size, offer.mime, peer);
  }

  accept(): void {
    if (this.state !== 'offered') return;
    this.#sinkReady = openSink(this.id, this.name, this.mime);
    this.#sinkReady.then((sink) => (this.#sink = sink)).catch(() => undefined);
    this.link.sendControl({ type: 'file-answer', transferId: this.id, accept: true });
    this.setState('transferring');
  }

  decline(): void {
    if (this.state !== 'offered') return;
    this.link.sendControl({ type: 'file-answer', transferId: this.id, accept: false });
    this.setState('declined', 'you declined');
  }

  cancel(): void {
    if (this.finished) return;
    this.link.sendControl({ type: 'file-cancel', transferId: this.id });
    void this.#stop('cancelled', 'you cancelled');
  }

  /** Gives back the disk space of a finished transfer (the File stays readable until then). */
  async dispose(): Promise<void> {
    this.file = null;
    await this.#sink?.discard();
  }

  /** @internal */
  handleControl(message: FilePeerMessage): void {
    if (message.type === 'file-cancel') void this.#stop('cancelled', `${this.peer.name} cancelled`);
  }

  /** @internal The sender opened this transfer's channel. */
  attachChannel(channel: RTCDataChannel): void {
    if (this.state !== 'transferring' || this.#channel) {
      channel.close();
      return;
    }
    this.#channel = channel;
    channel.binaryType = 'arraybuffer';
    channel.addEventListener('message', (event: MessageEvent) => void this.#onFrame(event.data));
    channel.addEventListener('close', () => {
      if (!this.finished && this.state !== 'verifying') void this.#stop('failed', 'the connection closed');
    });
  }

  /** @internal The link to the sender is gone. */
  abandon(): void {
    void this.#stop('failed', `${this.peer.name} left`);
  }

  #frames: Promise<void> = Promise.resolve();

  #onFrame(data: unknown): void {
    // The sink opens asynchronously; frames wait for it in arrival order.
    this.#frames = this.#frames.then(() => this.#handleFrame(data));
  }

  async #handleFrame(data: unknown): Promise<void> {
    if (this.finished) return;
    const sink = this.#sink ?? (await this.#sinkReady);
    if (!sink || this.finished) return;
    if (data instanceof ArrayBuffer) {
      if (this.#received + data.byteLength > this.size) return this.#stop('failed', 'more data arrived than offered');
      this.#gather(new Uint8Array(data), sink);
      this.#received += data.byteLength;
      this.addProgress(data.byteLength);
      return;
    }
    const end = typeof data === 'string' ? decodeFileEndFrame(data) : undefined;
    if (!end) return this.#stop('failed', 'the sender broke the file protocol');
    this.flushProgress();
    this.setState('verifying');
    if (this.#blockFill > 0) this.#seal(sink);
    const verified = this.#received === this.size && (await this.#digest.hex()) === end.blockListSha256;
    this.link.sendControl({ type: 'file-received', transferId: this.id, verified });
    this.#channel?.close();
    if (!verified) return this.#stop('failed', 'the file arrived damaged (SHA-256 mismatch)');
    try {
      this.file = await sink.finish();
      this.setState('complete');
    } catch (error) {
      await this.#stop('failed', `could not store the file: ${String(error)}`);
    }
  }

  /** Copies a frame into the current block (frames need not line up with blocks), sealing each block as it fills. */
  #gather(chunk: Uint8Array<ArrayBuffer>, sink: FileSink): void {
    for (let at = 0; at < chunk.length; ) {
      const taken = Math.min(chunk.length - at, this.#block.length - this.#blockFill);
      this.#block.set(chunk.subarray(at, at + taken), this.#blockFill);
      this.#blockFill += taken;
      at += taken;
      if (this.#blockFill === this.#block.length) this.#seal(sink);
    }
  }

  /** Hands the filled part of the block to the digest and the sink, and starts a new one. */
  #seal(sink: FileSink): void {
    const block = this.#block.subarray(0, this.#blockFill);
    this.#digest.add(block);
    sink.write(block);
    this.#block = new Uint8Array(FILE_HASH_BLOCK_BYTES);
    this.#blockFill = 0;
  }

  async #stop(state: 'cancelled' | 'failed', reason: string): Promise<void> {
    if (!this.setState(state, reason)) return;
    this.#channel?.close();
    await (this.#sink ?? (await this.#sinkReady?.catch(() => undefined)))?.discard();
  }
}
