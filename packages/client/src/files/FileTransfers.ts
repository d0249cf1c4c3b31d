import { TypedEmitter, type FileOfferPeerMessage, type FilePeerMessage } from '@parley/protocol';
import type { FileTransfer, TransferPeer } from './FileTransfer.js';
import { IncomingTransfer } from './IncomingTransfer.js';
import { OutgoingTransfer } from './OutgoingTransfer.js';

export type FileTransfersEvents = {
  /** Someone offers a file: show it, then `accept()` or `decline()` it. */
  offered: (transfer: IncomingTransfer) => void;
  /** A transfer started in either direction (an offer we made, or one we received). */
  added: (transfer: FileTransfer) => void;
  /** Whether some file's bytes are moving (a transfer in either direction is `transferring`) changed. */
  'moving-changed': (moving: boolean) => void;
};

export interface TransferLink {
  readonly peer: TransferPeer;
  sendControl(message: FilePeerMessage): boolean;
  createChannel(label: string): RTCDataChannel;
  /** The largest message the peer accepts, or undefined while unknown. */
  maxMessageSize(): number | undefined;
}

const CHANNEL_PREFIX = 'file:';

/**
 * Every file transfer of a room, in both directions. Transport-free: the Room
 * feeds it control messages and channels per link and it answers through the
 * link it is given.
 */
export class FileTransfers extends TypedEmitter<FileTransfersEvents> {
  readonly #transfers = new Map<string, FileTransfer>();
  #moving = false;

  /** Whether some file's bytes are moving now, in either direction. */
  get moving(): boolean {
    return this.#moving;
  }

  list(): FileTransfer[] {
    return [...this.#transfers.values()];
  }

  send(file: File, link: TransferLink): OutgoingTransfer {
    const transfer = new OutgoingTransfer(file, link.peer, link);
    this.#add(transfer);
    transfer.offer();
    return transfer;
  }

  handleControl(message: FilePeerMessage, link: TransferLink): void {
    if (message.type === 'file-offer') return this.#offered(message, link);
    const transfer = this.#transfers.get(message.transferId);
    // Only the participant at the other end of a transfer may steer it.
    if (!transfer || transfer.peer.id !== link.peer.id) return;
    if (transfer instanceof OutgoingTransfer || transfer instanceof IncomingTransfer) transfer.handleControl(message);
  }

  /** A channel the peer opened; ours if it names an incoming transfer from that same peer. */
  handleChannel(channel: RTCDataChannel, link: TransferLink): void {
    const transfer = channel.label.startsWith(CHANNEL_PREFIX)
      ? this.#transfers.get(channel.label.slice(CHANNEL_PREFIX.length))
      : undefined;
    if (transfer instanceof IncomingTransfer && transfer.peer.id === link.peer.id) transfer.attachChannel(channel);
    else channel.close();
  }

  /** The participant left: every unfinished transfer with them fails. */
  abandonPeer(peerId: string): void {
    for (const transfer of this.#transfers.values()) {
      if (transfer.peer.id === peerId && !transfer.finished) {
        if (transfer instanceof OutgoingTransfer || transfer instanceof IncomingTransfer) transfer.abandon();
      }
    }
  }

  /** Cancels what is running and frees stored files. */
  async closeAll(): Promise<void> {
    for (const transfer of this.#transfers.values()) {
      if (!transfer.finished) transfer.cancel();
      if (transfer instanceof IncomingTransfer) await transfer.dispose();
    }
    this.#transfers.clear();
    this.removeAllListeners();
  }

  #add(transfer: FileTransfer): void {
    this.#transfers.set(transfer.id, transfer);
    transfer.on('state-changed', () => this.#updateMoving());
    this.emit('added', transfer);
  }

  #updateMoving(): void {
    const moving = [...this.#transfers.values()].some((transfer) => transfer.state === 'transferring');
    if (moving === this.#moving) return;
    this.#moving = moving;
    this.emit('moving-changed', moving);
  }

  #offered(offer: FileOfferPeerMessage, link: TransferLink): void {
    if (this.#transfers.has(offer.transferId)) return;
    const transfer = new IncomingTransfer(offer, link.peer, link);
    this.#add(transfer);
    this.emit('offered', transfer);
  }
}
