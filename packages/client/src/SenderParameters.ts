import { ParleyError } from './errors.js';

/**
 * What we want a sender's encodings to be. Fields left out are left as the
 * browser has them. The same values go to every encoding (Parley sends one
 * encoding per sender, no simulcast).
 */
export interface EncodingWish {
  scaleResolutionDownBy?: number;
  maxFramerate?: number;
  maxBitrate?: number;
}

/**
 * A failed setParameters is tried again after this long, twice as long each
 * later time, this many times; then the wish waits for the next `retry()`
 * (PeerLink calls it at every stable signaling state) or a new wish.
 */
const RETRY_BASE_MS = 100;
const RETRIES = 4;

/**
 * Every change of one RTCRtpSender's parameters, one at a time. webrtc-pc
 * makes setParameters take the object the last getParameters returned (its
 * transactionId): two changes started together (a keyframe request and a new
 * budget) make the second fail with InvalidStateError or
 * InvalidModificationError. Here each change is getParameters, modify,
 * setParameters, and the next starts only when that one settled. The latest
 * wish wins; a keyframe request waiting meanwhile goes with it, in the same
 * call; a failed call is tried again.
 */
export class SenderParameters {
  #wish: EncodingWish = {};
  /**
   * The wish the sender's encodings were last given (by setParameters, or by
   * the transceiver's sendEncodings when it was made): the same wish again
   * needs no call. getParameters() is a synchronous trip into WebRTC's
   * signaling thread; in traces of a call starting on a busy machine each
   * took 10-40 ms of the page's main thread, and every stable signaling
   * state (retry()) asked for one.
   */
  #applied: EncodingWish | undefined;
  #keyFrame = false;
  /** A wish or keyframe not yet handed to the browser. */
  #dirty = false;
  #running = false;
  #failures = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(
    readonly sender: RTCRtpSender,
    /** Who the stream goes to, for the log. */
    private readonly remoteId: string,
    /** The wish the transceiver was made with (its sendEncodings), if any. */
    created?: EncodingWish,
  ) {
    if (created) {
      this.#wish = { ...created };
      this.#applied = { ...created };
    }
  }

  /** The encodings should look like this from now on; replaces the previous wish. */
  set(wish: EncodingWish): void {
    this.#wish = { ...wish };
    this.#kick();
  }

  get wish(): Readonly<EncodingWish> {
    return this.#wish;
  }

  /**
   * Asks the encoder for a keyframe now (RTCSetParameterOptions.encodingOptions,
   * webrtc extensions; Chromium honours it, other browsers ignore it).
   */
  requestKeyFrame(): void {
    this.#keyFrame = true;
    this.#kick();
  }

  /**
   * Tries what is waiting once more now: a wish that found no encoding (the
   * transceiver was not negotiated yet), or one that kept failing.
   */
  retry(): void {
    this.#kick();
  }

  /** Drops whatever is waiting. Safe to call twice. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  #kick(): void {
    this.#dirty = true;
    if (this.#running || this.#closed || this.#retryTimer !== undefined) return;
    // A change asked for anew gets its full count of tries.
    this.#failures = 0;
    void this.#run();
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (this.#dirty && !this.#closed) {
        this.#dirty = false;
        const keyFrame = this.#keyFrame;
        this.#keyFrame = false;
        if (!keyFrame && this.#applied && sameWish(this.#applied, this.#wish)) continue;
        const wish = { ...this.#wish };
        const parameters = this.sender.getParameters();
        // No encoding until the transceiver was negotiated: the wish waits for retry(); a
        // keyframe for a stream not sent yet has no use (its first frame is one).
        if (parameters.encodings.length === 0) continue;
        const changed = applyWish(parameters.encodings, wish);
        if (!changed && !keyFrame) {
          this.#applied = wish;
          continue;
        }
        try {
          if (keyFrame) {
            const options = { encodingOptions: parameters.encodings.map(() => ({ keyFrame: true })) } as RTCSetParameterOptions;
            await this.sender.setParameters(parameters, options);
          } else {
            await this.sender.setParameters(parameters);
          }
          this.#failures = 0;
          this.#applied = wish;
        } catch (error) {
          if (this.#closed) return;
          // A negotiation in flight, or parameters changed behind our back: the same again, freshly read.
          this.#dirty = true;
          this.#keyFrame ||= keyFrame;
          this.#failed(error);
          return;
        }
      }
    } finally {
      this.#running = false;
    }
  }

  #failed(error: unknown): void {
    this.#failures++;
    if (this.#failures > RETRIES) {
      const failure = new ParleyError('sender-update-failed', `could not change the stream to ${this.remoteId} after ${RETRIES + 1} tries`, { cause: error });
      console.warn(`[parley] ${failure.message}; trying again at the next negotiation:`, error);
      // A keyframe this late is no use; the wish is tried again by retry() or the next set().
      this.#keyFrame = false;
      this.#dirty = false;
      return;
    }
    console.debug(`[parley] setParameters for ${this.remoteId} failed (try ${this.#failures}); trying again:`, error);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#dirty && !this.#closed && !this.#running) void this.#run();
    }, RETRY_BASE_MS * 2 ** (this.#failures - 1));
  }
}

function sameWish(a: EncodingWish, b: EncodingWish): boolean {
  return a.scaleResolutionDownBy === b.scaleResolutionDownBy && a.maxFramerate === b.maxFramerate && a.maxBitrate === b.maxBitrate;
}

/** Writes `wish` into `encodings`; true when that changed anything. */
function applyWish(encodings: RTCRtpEncodingParameters[], wish: EncodingWish): boolean {
  let changed = false;
  for (const encoding of encodings) {
    for (const key of ['scaleResolutionDownBy', 'maxFramerate', 'maxBitrate'] as const) {
      const value = wish[key];
      if (value === undefined || encoding[key] === value) continue;
      encoding[key] = value;
      changed = true;
    }
  }
  return changed;
}
