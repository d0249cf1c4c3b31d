import { decodeFileEndFrame, FILE_HASH_BLOCK_BYTES, type FileEndFrame, type FileOfferPeerMessage, type FilePeerMessage } from '@parley/protocol';
import { FileTransfer, type TransferPeer } from './FileTransfer.js';
import { openFileStore, type FileStore, type StoredFile } from './FileStore.js';

export interface IncomingLink {
  sendControl(message: FilePeerMessage): boolean;
}

/**
 * The receiver gathers frames into buffers of this size (a whole number of
 * hash blocks) and hands each full buffer to its store, which hashes and
 * writes it (FileStore.ts): one hand-over to the hashing worker, and where
 * the page writes itself one round trip to the browser process, per 4 MiB
 * rather than per frame.
 */
const WRITE_BYTES = 4 * FILE_HASH_BLOCK_BYTES;

/**
 * A file someone offers us. Nothing is received until `accept()`. Frames are
 * handled synchronously in the channel's message handler (copied into 4 MiB
 * buffers, each handed to the store without waiting for it), so the handler
 * never queues work behind a promise. `file` is set only once the digest
 * matches what the sender computed.
 */
export class IncomingTransfer extends FileTransfer {
  readonly direction = 'incoming';
  /** The verified file, once `state` is `complete`. */
  file: File | null = null;
  #store: FileStore | undefined;
  #storeReady: Promise<FileStore> | undefined;
  /** Frames that came before the store opened, in arrival order. */
  readonly #early: unknown[] = [];
  #channel: RTCDataChannel | undefined;
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
    this.#storeReady = openFileStore(this.id, this.name, this.mime, (reason) => void this.#fail(`could not store the file: ${reason}`));
    this.#storeReady.then(
      (store) => {
        this.#store = store;
        // Cancelled (or failed) while the store opened: #stop found nothing to discard yet.
        if (this.finished) return void store.discard();
        for (const data of this.#early.splice(0)) this.#handleFrame(data, store);
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
    await this.#store?.discard();
  }

  /** Whether the hashing worker stores the bytes (an OPFS sync access handle) rather than this thread; null before the store opened. */
  get storedInWorker(): boolean | null {
    return this.#store?.inWorker ?? null;
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
    if (this.#store) this.#handleFrame(data, this.#store);
    else this.#early.push(data);
  }

  #handleFrame(data: unknown, store: FileStore): void {
    if (this.state !== 'transferring') return;
    if (data instanceof ArrayBuffer) {
      if (this.#received + data.byteLength > this.size) return void this.#stop('failed', 'more data arrived than offered');
      this.#gather(new Uint8Array(data), store);
      this.#received += data.byteLength;
      this.addProgress(data.byteLength);
      return;
    }
    const end = typeof data === 'string' ? decodeFileEndFrame(data) : undefined;
    if (!end) return void this.#stop('failed', 'the sender broke the file protocol');
    void this.#verify(end, store);
  }

  async #verify(end: FileEndFrame, store: FileStore): Promise<void> {
    this.flushProgress();
    this.setState('verifying');
    this.#flush(store);
    let stored: StoredFile;
    try {
      stored = await store.finish();
    } catch (error) {
      // Hashing or writing failed: the bytes may be fine, but we cannot tell or keep them.
      return this.#fail(error instanceof Error ? error.message : String(error));
    }
    const verified = this.#received === this.size && stored.blockListSha256 === end.blockListSha256;
    this.link.sendControl({ type: 'file-received', transferId: this.id, verified });
    this.#channel?.close();
    if (!verified) return this.#stop('failed', 'the file arrived damaged (SHA-256 mismatch)');
    try {
      this.file = await stored.file();
      this.setState('complete');
    } catch (error) {
      await this.#stop('failed', `could not store the file: ${String(error)}`);
    }
  }

  /** Copies a frame into the buffer (frames need not line up with blocks), handing the buffer on once full. */
  #gather(chunk: Uint8Array<ArrayBuffer>, store: FileStore): void {
    for (let at = 0; at < chunk.length; ) {
      const taken = Math.min(chunk.length - at, WRITE_BYTES - this.#fill);
      this.#buffer.set(chunk.subarray(at, at + taken), this.#fill);
      this.#fill += taken;
      at += taken;
      if (this.#fill === WRITE_BYTES) this.#flush(store);
    }
  }

  /**
   * Hands what the buffer holds to the store (which keeps the buffer) and
   * starts a new buffer. Only the last flush may be short of whole blocks: it
   * hands over a copy of its part, so the worker moves no more than it needs.
   */
  #flush(store: FileStore): void {
    if (this.#fill === WRITE_BYTES) store.write(this.#buffer);
    else if (this.#fill > 0) store.write(this.#buffer.slice(0, this.#fill));
    this.#buffer = new Uint8Array(WRITE_BYTES);
    this.#fill = 0;
  }

  /** We give up on the file: the sender is told (file-cancel), so it stops sending. */
  async #fail(reason: string): Promise<void> {
    if (this.finished) return;
    this.link.sendControl({ type: 'file-cancel', transferId: this.id });
    await this.#stop('failed', reason);
  }

  async #stop(state: 'cancelled' | 'failed', reason: string): Promise<void> {
    if (!this.setState(state, reason)) return;
    this.#channel?.close();
    // A store still opening is discarded when it opens (see accept()).
    await this.#store?.discard();
  }
}
