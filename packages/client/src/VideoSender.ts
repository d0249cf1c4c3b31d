import { SenderParameters, type EncodingWish } from './SenderParameters.js';
import { cameraBudget, sameBudget, startingBudget, type VideoBudget } from './VideoBudget.js';

/**
 * The triggers for a keyframe (ICE back, media arriving again) often come
 * together, on both sides: one keyframe per this interval is enough.
 */
const KEYFRAME_MIN_INTERVAL_MS = 1_000;
/**
 * Once connected, the camera stream keeps its starting size (see
 * startingBudget) until it has sent frames: checked this often, this many
 * times at most, then the full budget applies anyway. (Each check is a
 * getStats(); in a starting mesh of four the pages are short of CPU.)
 */
const FULL_BUDGET_CHECK_MS = 1_000;
const FULL_BUDGET_CHECKS = 10;
/**
 * While the path is down (see pause()) the camera stream goes on at this
 * rate and bitrate (libwebrtc's floor): next to nothing is owed when the path
 * returns, and the stream itself never stops. Stopping it (`active: false`)
 * was measured worse: after a 5 s drop the receiver then held every frame
 * for about as long as the stream had been off (1.1 and 3.2 s), then
 * decoded 58 at once.
 */
const PAUSED_FRAMERATE = 1;
const PAUSED_BITRATE = 30_000;

/**
 * How our video goes to one remote peer: the camera stream's budget (its
 * starting size, then the full budget for the mesh), and keyframes on
 * request, for the camera and the screen share alike. Every change of a
 * sender's parameters goes through that sender's SenderParameters, one at a
 * time. PeerLink owns the connection and tells this when it connects and
 * when a negotiation settles.
 */
export class VideoSender {
  /** What our camera stream to this peer may cost (see VideoBudget). */
  #budget: VideoBudget;
  /** Until our camera stream's first frames are out it is kept small (startingBudget); then this turns true. */
  #fullBudget = false;
  #fullBudgetTimer: ReturnType<typeof setTimeout> | undefined;
  #lastKeyFrame = 0;
  /** The path to this peer is down: our camera stream trickles (see pause()). */
  #paused = false;
  readonly #senders = new Map<RTCRtpSender, SenderParameters>();
  #closed = false;

  constructor(
    private readonly pc: RTCPeerConnection,
    private readonly remoteId: string,
    /** The sender of our camera, once its transceiver is known. */
    private readonly camera: () => RTCRtpSender | undefined,
    budget: VideoBudget = cameraBudget(1),
  ) {
    this.#budget = budget;
  }

  /**
   * The encodings for a camera transceiver we make ourselves
   * (addTransceiver's sendEncodings): the budget is in place from the start,
   * and nothing is set when the negotiation settles. Hand the sender to
   * created() once the transceiver exists.
   */
  startingEncodings(): RTCRtpEncodingParameters[] {
    return [{ ...this.#wish() }];
  }

  /** The camera's transceiver was made with startingEncodings(). */
  created(sender: RTCRtpSender): void {
    if (this.#closed || this.#senders.has(sender)) return;
    this.#senders.set(sender, new SenderParameters(sender, this.remoteId, this.#wish()));
  }

  /** Limits our camera stream to this peer; needs no renegotiation. */
  setBudget(budget: VideoBudget): void {
    if (sameBudget(budget, this.#budget)) return;
    this.#budget = budget;
    this.#applyBudget();
  }

  /** The connection is up: the camera stream gets its full budget once its first frames are out. */
  connected(): void {
    if (!this.#fullBudget && this.#fullBudgetTimer === undefined && !this.#closed) this.#awaitFirstFrames(FULL_BUDGET_CHECKS);
  }

  /**
   * A negotiation settled (signaling state stable): a sender may have its
   * encodings now, and a change that failed meanwhile can go through.
   */
  negotiated(): void {
    if (this.#closed) return;
    this.#applyBudget();
    for (const parameters of this.#senders.values()) parameters.retry();
  }

  /**
   * Makes our video encoders send a keyframe now. After an outage the other
   * side cannot decode our video until one comes, and its own request for
   * one (PLI) took 1 to 3 s in Chromium after the path was back; the
   * triggers (ICE back, their media arriving again) are sooner. Other
   * browsers ignore the request, and their receivers' own requests bring
   * the keyframe as before.
   */
  sendKeyFrame(): void {
    const now = Date.now();
    // A keyframe into a dead path is lost; resume() brings one.
    if (this.#closed || this.#paused || now - this.#lastKeyFrame < KEYFRAME_MIN_INTERVAL_MS) return;
    this.#lastKeyFrame = now;
    for (const sender of this.#videoSenders()) this.#parameters(sender).requestKeyFrame();
  }

  /** Our camera's and screen share's senders. */
  #videoSenders(): RTCRtpSender[] {
    return this.pc
      .getTransceivers()
      .filter((transceiver) => transceiver.sender.track?.kind === 'video' && transceiver.currentDirection !== 'stopped')
      .map((transceiver) => transceiver.sender);
  }

  /**
   * The path to this peer is down: our camera stream drops to
   * PAUSED_FRAMERATE and PAUSED_BITRATE. Frames sent into
   * a dead path are not only wasted: once it is back the receiver asks for
   * every packet it missed, and the sender spent the first 0.7 to 1.1 s
   * after a 15 or 30 s drop retransmitting them (measured: 90-100% of its
   * packets were retransmissions, at a bandwidth estimate that had decayed
   * to 30-150 kbit/s), while the receiver could decode nothing until the
   * keyframe came through behind them.
   */
  pause(): void {
    if (this.#closed || this.#paused) return;
    this.#paused = true;
    this.#applyBudget();
  }

  /** The path is back: the camera stream gets its budget again, with a keyframe, in one setParameters. */
  resume(): void {
    if (this.#closed || !this.#paused) return;
    this.#paused = false;
    this.#applyBudget();
    this.#lastKeyFrame = Date.now();
    for (const sender of this.#videoSenders()) this.#parameters(sender).requestKeyFrame();
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Stops every timer and drops what is waiting. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#fullBudgetTimer);
    for (const parameters of this.#senders.values()) parameters.close();
    this.#senders.clear();
  }

  #parameters(sender: RTCRtpSender): SenderParameters {
    let parameters = this.#senders.get(sender);
    if (!parameters) {
      parameters = new SenderParameters(sender, this.remoteId);
      this.#senders.set(sender, parameters);
    }
    return parameters;
  }

  #applyBudget(): void {
    const sender = this.camera();
    if (!sender || this.#closed) return;
    this.#parameters(sender).set(this.#wish());
  }

  /**
   * What the camera's encodings should be now: its budget, at a trickle while
   * paused. (The size stays: a change of size would restart the encoder.)
   */
  #wish(): EncodingWish {
    const { scaleResolutionDownBy, maxFramerate, maxBitrate } = this.#fullBudget ? this.#budget : startingBudget(this.#budget);
    if (this.#paused) return { scaleResolutionDownBy, maxFramerate: PAUSED_FRAMERATE, maxBitrate: PAUSED_BITRATE };
    return { scaleResolutionDownBy, maxFramerate, maxBitrate };
  }

  /** Gives the camera stream its full budget once it has sent frames (or after the last check). */
  #awaitFirstFrames(checksLeft: number): void {
    this.#fullBudgetTimer = setTimeout(() => {
      void this.#framesSent().then((sent) => {
        if (this.#closed) return;
        if (sent || checksLeft <= 1) {
          this.#fullBudget = true;
          this.#applyBudget();
        } else this.#awaitFirstFrames(checksLeft - 1);
      });
    }, FULL_BUDGET_CHECK_MS);
  }

  async #framesSent(): Promise<boolean> {
    const sender = this.camera();
    if (!sender?.track) return true;
    let sent = false;
    try {
      (await sender.getStats()).forEach((report: { type?: string; framesSent?: number }) => {
        if (report.type === 'outbound-rtp' && (report.framesSent ?? 0) > 0) sent = true;
      });
    } catch {
      // A sender that cannot report (closing) has nothing to wait for.
      return true;
    }
    return sent;
  }
}
