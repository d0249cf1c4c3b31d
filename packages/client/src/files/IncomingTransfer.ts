import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { decodeFileEndFrame, type FileOfferPeerMessage, type FilePeerMessage } from '@parley/protocol';
import { FileTransfer, type TransferPeer } from './FileTransfer.js';
import { openSink, type FileSink } from './FileSink.js';

export interface IncomingLink {
  sendControl(message: FilePeerMessage): boolean;
}

/**
 * A file someone offers us. Nothing is received until `accept()`. The bytes
 * go to disk as they come (OPFS), hashed on the way; `file` is set only once
 * the SHA-256 matches what the sender computed.
 */
export class IncomingTransfer extends FileTransfer {
  readonly direction = 'incoming';
  /** The verified file, once `state` is `complete`. */
  file: File | null = null;
  #sink: FileSink | undefined;
  #sinkReady: Promise<FileSink> | undefined;
  #channel: RTCDataChannel | undefined;
  readonly #hash = sha256.create();
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
      const chunk = new Uint8Array(data);
      this.#hash.update(chunk);
      sink.write(chunk);
      this.#received += chunk.length;
      this.addProgress(chunk.length);
      return;
    }
    const end = typeof data === 'string' ? decodeFileEndFrame(data) : undefined;
    if (!end) return this.#stop('failed', 'the sender broke the file protocol');
    this.flushProgress();
    this.setState('verifying');
    const verified = this.#received === this.size && bytesToHex(this.#hash.digest()) === end.sha256;
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

  async #stop(state: 'cancelled' | 'failed', reason: string): Promise<void> {
    if (!this.setState(state, reason)) return;
    this.#channel?.close();
    await (this.#sink ?? (await this.#sinkReady?.catch(() => undefined)))?.discard();
  }
}
