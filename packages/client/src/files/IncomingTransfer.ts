import { decodeFileEndFrame, FILE_HASH_BLOCK_BYTES, type FileEndFrame, type FileOfferPeerMessage, type FilePeerMessage } from '@parley/protocol';
import { BlockDigest } from './BlockDigest.js';
import { FileTransfer, type TransferPeer } from './FileTransfer.js';
import { openSink, type FileSink } from './FileSink.js';

export interface IncomingLink {
  sendControl(message: FilePeerMessage): boolean;
}

/**
 * The receiver gathers frames into buffers of this size (a whole number of
 * hash blocks), hashing each hash block as it fills and writing each buffer
 * to disk (OPFS) once full: every write is a round trip to the browser
 * process, so one per 4 MiB rather than one per frame or per MiB.
 */
const WRITE_BYTES = 4 * FILE_HASH_BLOCK_BYTES;

/**
 * A file someone offers us. Nothing is received until `accept()`. Frames are
 * handled synchronously in the channel's message handler (copied into 4 MiB
 * buffers, each hashed in the page's hashing worker and written without
 * waiting for the write), so the handler never queues work behind a promise.
 * `file` is set only once the digest matches what the sender computed.
 */
export class IncomingTransfer extends FileTransfer {
  readonly direction = 'incoming';
  /** The verified file, once `state` is `complete`. */
  file: File | null = null;
  #sink: FileSink | undefined;
  #sinkReady: Promise<FileSink> | undefined;
  /** Frames that came before the sink opened, in arrival order. */
  readonly #early: unknown[] = [];
  #channel: RTCDataChannel | undefined;
  readonly #digest = new BlockDigest();
  /** The buffer being filled and how much of it is. */
  #buffer = new Uint8Array(WRITE_BYTES);
  #fill = 0;
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
    this.#sinkReady.then(
      (sink) => {
        this.#sink = sink;
        for (const data of this.#early.splice(0)) this.#handleFrame(data, sink);
      },
      (error: unknown) => void this.#stop('failed', `could not store the file: ${String(error)}`),
    );
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
    channel.addEventListener('message', (event: MessageEvent) => this.#onFrame(event.data));
    channel.addEventListener('close', () => {
      if (!this.finished && this.state !== 'verifying') void this.#stop('failed', 'the connection closed');
    });
  }

  /** @internal The link to the sender is gone. */
  abandon(): void {
    void this.#stop('failed', `${this.peer.name} left`);
  }

  #onFrame(data: unknown): void {
    if (this.#sink) this.#handleFrame(data, this.#sink);
    else this.#early.push(data);
  }

  #handleFrame(data: unknown, sink: FileSink): void {
    if (this.state !== 'transferring') return;
    if (data instanceof ArrayBuffer) {
      if (this.#received + data.byteLength > this.size) return void this.#stop('failed', 'more data arrived than offered');
      this.#gather(new Uint8Array(data), sink);
      this.#received += data.byteLength;
      this.addProgress(data.byteLength);
      return;
    }
    const end = typeof data === 'string' ? decodeFileEndFrame(data) : undefined;
    if (!end) return void this.#stop('failed', 'the sender broke the file protocol');
    void this.#verify(end, sink);
  }

  async #verify(end: FileEndFrame, sink: FileSink): Promise<void> {
    this.flushProgress();
    this.setState('verifying');
    this.#flush(sink);
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

  /** Copies a frame into the buffer (frames need not line up with blocks), handing the buffer on once full. */
  #gather(chunk: Uint8Array<ArrayBuffer>, sink: FileSink): void {
    for (let at = 0; at < chunk.length; ) {
      const taken = Math.min(chunk.length - at, WRITE_BYTES - this.#fill);
      this.#buffer.set(chunk.subarray(at, at + taken), this.#fill);
      this.#fill += taken;
      at += taken;
      if (this.#fill === WRITE_BYTES) this.#flush(sink);
    }
  }

  /**
   * Hands what the buffer holds to the hasher (a copy: the sink keeps the
   * buffer) and to the sink, and starts a new buffer. Only the last flush may
   * be short of whole blocks.
   */
  #flush(sink: FileSink): void {
    if (this.#fill > 0) {
      const filled = this.#buffer.subarray(0, this.#fill);
      this.#digest.add(filled);
      sink.write(filled);
    }
    this.#buffer = new Uint8Array(WRITE_BYTES);
    this.#fill = 0;
  }

  async #stop(state: 'cancelled' | 'failed', reason: string): Promise<void> {
    if (!this.setState(state, reason)) return;
    this.#digest.drop();
    this.#channel?.close();
    await (this.#sink ?? (await this.#sinkReady?.catch(() => undefined)))?.discard();
  }
}
