/** How often we look at when the remote peer's media last arrived. Synchronous and cheap, so often. */
const ARRIVAL_CHECK_MS = 200;
/** Nothing from them for this long, then something again: the path between us was down and is back. */
const ARRIVAL_GAP_MS = 1_000;
/**
 * Nothing from them for this long hints that the path is down (audio comes
 * every 20 ms, even muted): `onQuiet` fires, once per quiet spell. A hint
 * only: the other side may simply send no media at all.
 */
const QUIET_HINT_MS = 400;
/**
 * The first look is this long after `start()` (the link connected): the
 * first frames of a call arrive in that second, and each look is a
 * synchronous call into the browser's WebRTC thread that a busy main thread
 * waits on (10–20 ms each on a loaded 2-core machine, in Chromium traces).
 */
const FIRST_CHECK_DELAY_MS = 1_000;

export interface ArrivalGapCallbacks {
  /** Media arrives again after a gap of at least ARRIVAL_GAP_MS. */
  onReturn: (gapMs: number) => void;
  /** Nothing has arrived for QUIET_HINT_MS. */
  onQuiet: () => void;
}

/**
 * Notices that media from the remote peer stopped arriving for a while and
 * then came back, i.e. the path between us was down and is up again. ICE does
 * not always tell: after a 5 s network drop we measured one side that never
 * left `connected`, so nothing there knew that its own video had been lost on
 * the way and that the other side now waits for a keyframe. It reads the
 * receivers' synchronization sources, which the browser updates as frames
 * from each source are delivered (audio keeps arriving while the microphone
 * is muted: it sends silence).
 */
export class ArrivalGapWatch {
  /** The newest source timestamp seen (0: nothing has arrived yet). */
  #latest = 0;
  /** When we first saw nothing new, on our own clock; undefined while media flows. */
  #quietSince: number | undefined;
  #quietHinted = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  #delay: ReturnType<typeof setTimeout> | undefined;
  #state: 'idle' | 'watching' | 'closed' = 'idle';

  constructor(
    private readonly pc: RTCPeerConnection,
    private readonly callbacks: ArrivalGapCallbacks,
  ) {}

  /**
   * Starts looking, soon after the link first connected: before that nothing
   * can arrive, so there is no gap to see. Calls after the first do nothing.
   */
  start(): void {
    if (this.#state !== 'idle') return;
    this.#state = 'watching';
    this.#delay = setTimeout(() => {
      this.#timer = setInterval(() => this.#check(), ARRIVAL_CHECK_MS);
      this.#check();
    }, FIRST_CHECK_DELAY_MS);
  }

  /** Stops looking. Safe to call twice. */
  close(): void {
    this.#state = 'closed';
    clearTimeout(this.#delay);
    clearInterval(this.#timer);
  }

  #check(): void {
    let latest = 0;
    for (const receiver of this.pc.getReceivers()) {
      for (const source of receiver.getSynchronizationSources()) latest = Math.max(latest, source.timestamp);
    }
    const now = performance.now();
    if (latest > this.#latest) {
      // The first media of the call is no return: only a gap after media flowed counts.
      const gap = this.#latest === 0 || this.#quietSince === undefined ? 0 : now - this.#quietSince;
      this.#latest = latest;
      this.#quietSince = undefined;
      this.#quietHinted = false;
      if (gap >= ARRIVAL_GAP_MS) this.callbacks.onReturn(gap);
      return;
    }
    this.#quietSince ??= now;
    if (this.#latest > 0 && !this.#quietHinted && now - this.#quietSince >= QUIET_HINT_MS) {
      this.#quietHinted = true;
      this.callbacks.onQuiet();
    }
  }
}
