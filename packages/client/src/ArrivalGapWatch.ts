/** How often we look at when the remote peer's media last arrived. Synchronous and cheap, so often. */
const ARRIVAL_CHECK_MS = 200;
/** Nothing from them for this long, then something again: the path between us was down and is back. */
const ARRIVAL_GAP_MS = 1_000;

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
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly pc: RTCPeerConnection,
    private readonly onReturn: (gapMs: number) => void,
  ) {
    this.#timer = setInterval(() => this.#check(), ARRIVAL_CHECK_MS);
  }

  /** Stops looking. Safe to call twice. */
  close(): void {
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
      if (gap >= ARRIVAL_GAP_MS) this.onReturn(gap);
      return;
    }
    this.#quietSince ??= now;
  }
}
