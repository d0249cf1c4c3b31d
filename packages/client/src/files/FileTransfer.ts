import { TypedEmitter } from '@parley/protocol';

/**
 * offered → transferring → verifying → complete, or declined / cancelled /
 * failed from any state before complete. The receiver's `complete` means the
 * SHA-256 matched; the sender's means the receiver said so.
 */
export type TransferState = 'offered' | 'transferring' | 'verifying' | 'complete' | 'declined' | 'cancelled' | 'failed';

const FINAL_STATES: readonly TransferState[] = ['complete', 'declined', 'cancelled', 'failed'];

export type FileTransferEvents = {
  'state-changed': (state: TransferState, previous: TransferState) => void;
  progress: (bytes: number) => void;
};

export interface TransferPeer {
  id: string;
  name: string;
}

/** Smoothing of the rate shown to people: new samples weigh this much. */
const RATE_SMOOTHING = 0.3;
const RATE_SAMPLE_MS = 500;

/** What both directions share: identity, state machine, progress, rate and time left. */
export abstract class FileTransfer extends TypedEmitter<FileTransferEvents> {
  abstract readonly direction: 'outgoing' | 'incoming';
  #state: TransferState = 'offered';
  #bytes = 0;
  #rate = 0;
  #sample = { at: 0, bytes: 0 };
  /** Why it failed or was cancelled, for people to read. */
  reason: string | null = null;

  protected constructor(
    readonly id: string,
    readonly name: string,
    readonly size: number,
    readonly mime: string,
    readonly peer: TransferPeer,
  ) {
    super();
  }

  get state(): TransferState {
    return this.#state;
  }

  get finished(): boolean {
    return FINAL_STATES.includes(this.#state);
  }

  get bytesTransferred(): number {
    return this.#bytes;
  }

  /** Bytes per second, smoothed. */
  get rate(): number {
    return this.#rate;
  }

  /** Seconds until done at the current rate; null while unknown. */
  get secondsLeft(): number | null {
    if (this.#state !== 'transferring' || this.#rate <= 0) return null;
    return (this.size - this.#bytes) / this.#rate;
  }

  abstract cancel(): void;

  protected setState(next: TransferState, reason?: string): boolean {
    const previous = this.#state;
    if (previous === next || this.finished) return false;
    this.#state = next;
    if (reason) this.reason = reason;
    if (next === 'transferring') this.#sample = { at: performance.now(), bytes: this.#bytes };
    this.emit('state-changed', next, previous);
    return true;
  }

  protected addProgress(bytes: number): void {
    this.#bytes += bytes;
    const now = performance.now();
    const elapsed = now - this.#sample.at;
    if (elapsed >= RATE_SAMPLE_MS) {
      const instant = ((this.#bytes - this.#sample.bytes) * 1000) / elapsed;
      this.#rate = this.#rate === 0 ? instant : this.#rate + RATE_SMOOTHING * (instant - this.#rate);
      this.#sample = { at: now, bytes: this.#bytes };
      this.emit('progress', this.#bytes);
    }
  }

  /** A last progress event with the exact total, whatever the sampling. */
  protected flushProgress(): void {
    this.emit('progress', this.#bytes);
  }
}

export function newTransferId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_');
}

/** Resolves when the channel's buffer drains below its threshold, or it closes. */
export function drained(channel: RTCDataChannel): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      channel.removeEventListener('bufferedamountlow', done);
      channel.removeEventListener('close', done);
      resolve();
    };
    channel.addEventListener('bufferedamountlow', done);
    channel.addEventListener('close', done);
  });
}

export function channelOpen(channel: RTCDataChannel): Promise<void> {
  if (channel.readyState === 'open') return Promise.resolve();
  return new Promise((resolve, reject) => {
    channel.addEventListener('open', () => resolve(), { once: true });
    channel.addEventListener('close', () => reject(new Error('channel closed before it opened')), { once: true });
  });
}
