/**
 * How often the transport's received bytes are read while an outage is
 * suspected or under way (never otherwise): the path's return is noticed at
 * most this late.
 */
const POLL_MS = 100;
/**
 * Nothing at all received for this long while we suspect an outage: the path
 * is down. While we send video the other side's RTCP feedback for it comes
 * every 100 ms or so, so a live path is never this silent.
 */
const SILENT_MS = 800;

export type OutageState = 'up' | 'suspected' | 'down';

export interface OutageCallbacks {
  /** Nothing arrives over the connection: the path is down. */
  down: () => void;
  /** Something arrived again after `down`. */
  up: () => void;
}

/**
 * Tells whether the path to the remote peer is down by what the connection
 * receives at all (the transport's bytesReceived: media, RTCP, ICE checks),
 * not by ICE's state, which can stay `connected` through a 5 s drop in
 * Chromium, or by the remote media, which the other side may not send. It
 * reads stats only while something hinted at an outage (`suspect()`: media
 * stopped arriving, ICE disconnected), and until the path is back.
 *
 *   up --suspect()--> suspected --silent SILENT_MS--> down --bytes arrive--> up
 *                     suspected --bytes arrive------> up
 */
export class OutageWatch {
  #state: OutageState = 'up';
  /** The last reading of bytes received, and since when it has not changed. */
  #bytes = -1;
  #silentSince = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(
    private readonly pc: RTCPeerConnection,
    private readonly callbacks: OutageCallbacks,
  ) {}

  get state(): OutageState {
    return this.#state;
  }

  /** Something hints at an outage: watch what arrives until it is settled. */
  suspect(): void {
    if (this.#closed || this.#state !== 'up') return;
    this.#state = 'suspected';
    this.#bytes = -1;
    void this.#poll();
  }

  /** Something says the path is back (ICE connected again, media arriving): no need to wait for the next reading. */
  back(): void {
    if (this.#closed || this.#state === 'up') return;
    this.#settle();
  }

  /** Stops reading. Safe to call twice. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #settle(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const wasDown = this.#state === 'down';
    this.#state = 'up';
    if (wasDown) this.callbacks.up();
  }

  async #poll(): Promise<void> {
    this.#timer = undefined;
    const bytes = await this.#bytesReceived();
    if (this.#closed || this.#state === 'up') return;
    const now = Date.now();
    if (bytes === undefined) {
      // No transport to read (closing, or not negotiated yet): nothing to decide on.
      this.#settle();
      return;
    }
    if (this.#bytes < 0) {
      this.#bytes = bytes;
      this.#silentSince = now;
    } else if (bytes !== this.#bytes) {
      this.#settle();
      return;
    } else if (this.#state === 'suspected' && now - this.#silentSince >= SILENT_MS) {
      this.#state = 'down';
      this.callbacks.down();
    }
    this.#timer = setTimeout(() => void this.#poll(), POLL_MS);
  }

  async #bytesReceived(): Promise<number | undefined> {
    let bytes: number | undefined;
    try {
      (await this.pc.getStats()).forEach((report: { type?: string; bytesReceived?: number }) => {
        if (report.type === 'transport') bytes = (bytes ?? 0) + (report.bytesReceived ?? 0);
      });
    } catch {
      // A closed connection cannot report; close() follows.
      return undefined;
    }
    return bytes;
  }
}
