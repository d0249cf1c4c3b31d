import { SignalingClient } from './SignalingClient.js';

/**
 * connecting → open → (the server closed it: its join timeout, a restart) →
 * waiting → connecting ...; connecting → waiting (it would not open);
 * any → closed (handed over by `take()`, or given up by `close()`, or out of
 * quiet reconnections). Only `open` has a socket ready for a join.
 */
export type PreconnectState = 'connecting' | 'open' | 'waiting' | 'closed';

/**
 * The server closes a socket that joins no room within its JOIN_TIMEOUT_MS
 * (15 s by default, checked at each 5 s heartbeat). A pre-join screen left
 * open reconnects quietly that often, up to this many times (about five
 * minutes at the default); after that the click on "Join" connects, as if
 * there had been no head start.
 */
const MAX_QUIET_CONNECTS = 20;
/** A socket that would not open, or closed this soon after opening, is retried after a pause that doubles up to the cap. */
const RETRY_BASE_MS = 1_000;
const RETRY_CAP_MS = 30_000;
const STABLE_OPEN_MS = 2_000;

/**
 * A signaling WebSocket opened ahead of the join, while the person is still
 * on the pre-join screen: `Room.join({ preconnect })` sends its `join` on it
 * at once instead of opening a socket after the click, which saves the TCP
 * and WebSocket handshakes (15–250 ms on a loaded machine) from the time to
 * the first frame. Nothing is sent on it before the join: the server learns
 * nothing of the person until they click.
 */
export class SignalingPreconnect {
  #state: PreconnectState = 'connecting';
  #client: SignalingClient | undefined;
  /** The connection attempt under way; `take()` waits for it rather than opening a second socket. */
  #attempt: Promise<SignalingClient | undefined> | undefined;
  #connects = 0;
  #retryMs = RETRY_BASE_MS;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #offClose: (() => void) | undefined;

  private constructor(readonly url: string) {}

  /** Starts connecting to `url` (see `signalingUrl()`) now. */
  static open(url: string): SignalingPreconnect {
    const preconnect = new SignalingPreconnect(url);
    preconnect.#connect();
    return preconnect;
  }

  get state(): PreconnectState {
    return this.#state;
  }

  /**
   * Hands the open socket over, once: the caller owns it from now on. While
   * one is still opening, waits for it. Undefined when there is none (closed,
   * out of quiet reconnections, or the server is unreachable right now): the
   * caller connects as usual.
   */
  async take(): Promise<SignalingClient | undefined> {
    if (this.#state === 'connecting') await this.#attempt;
    if (this.#state !== 'open' || !this.#client || this.#client.state !== 'open') return undefined;
    const client = this.#client;
    this.#client = undefined;
    this.#finish();
    return client;
  }

  /** Closes the socket unless it was taken. Safe to call twice. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#client?.close(1000, 'left the pre-join screen');
    this.#client = undefined;
    this.#finish();
  }

  #finish(): void {
    this.#state = 'closed';
    clearTimeout(this.#timer);
    this.#offClose?.();
    this.#offClose = undefined;
  }

  #connect(): void {
    if (this.#state === 'closed') return;
    if (this.#connects >= MAX_QUIET_CONNECTS) {
      this.#finish();
      return;
    }
    this.#connects++;
    this.#state = 'connecting';
    const attempt = SignalingClient.connect(this.url).then(
      (client) => {
        if (this.#state === 'closed') {
          client.close(1000, 'left the pre-join screen');
          return undefined;
        }
        this.#adopt(client);
        return client;
      },
      () => {
        this.#retryLater();
        return undefined;
      },
    );
    this.#attempt = attempt;
  }

  #adopt(client: SignalingClient): void {
    this.#client = client;
    this.#state = 'open';
    const openedAt = Date.now();
    this.#offClose = client.on('close', () => {
      this.#offClose = undefined;
      this.#client = undefined;
      if (this.#state === 'closed') return;
      // Closed after a while (the server's join timeout): open the next at once. At once again: back off.
      if (Date.now() - openedAt >= STABLE_OPEN_MS) {
        this.#retryMs = RETRY_BASE_MS;
        this.#connect();
      } else this.#retryLater();
    });
  }

  #retryLater(): void {
    if (this.#state === 'closed') return;
    this.#state = 'waiting';
    const delay = this.#retryMs;
    this.#retryMs = Math.min(RETRY_CAP_MS, this.#retryMs * 2);
    this.#timer = setTimeout(() => this.#connect(), delay);
  }
}
