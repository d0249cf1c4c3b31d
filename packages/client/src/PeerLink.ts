import { TypedEmitter, type SignalPayload } from '@parley/protocol';
import { ArrivalGapWatch } from './ArrivalGapWatch.js';
import { OutageWatch } from './OutageWatch.js';
import type { VideoBudget } from './VideoBudget.js';
import { VideoSender } from './VideoSender.js';

export type MediaKind = 'audio' | 'video';
export const MEDIA_KINDS: readonly MediaKind[] = ['audio', 'video'];

export type PeerLinkEvents = {
  /** A description or candidate to hand to the remote peer through signaling. */
  signal: (signal: SignalPayload) => void;
  /** A remote track started arriving, with the ids of the streams the sender put it in. */
  track: (track: MediaStreamTrack, streamIds: string[]) => void;
  /** A text message on the data channel. */
  message: (text: string) => void;
  'channel-open': () => void;
  /** A data channel the remote peer opened (file transfers); our own `parley` channel is not announced. */
  channel: (channel: RTCDataChannel) => void;
  'connection-state': (state: RTCPeerConnectionState) => void;
  /** The first offer and answer have gone through (emitted once): ICE, DTLS and the media now proceed mostly off the page's main thread. */
  negotiated: () => void;
  /** An ICE restart began (after a failure, a long disconnection, or on request); `attempt` counts from 1 since the last connection. */
  'ice-restart': (attempt: number) => void;
};

export interface PeerLinkOptions {
  remoteId: string;
  /**
   * The polite peer yields when both offer at once (perfect negotiation). The
   * impolite one also opens the link: it creates the audio and video
   * transceivers and the data channel, so the first offer always comes from it.
   */
  polite: boolean;
  iceServers: RTCIceServer[];
  /** 'relay' sends everything through TURN, so the remote peer never learns our addresses. */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** The stream remote peers will see our tracks in. */
  localStream: MediaStream;
  tracks: Record<MediaKind, MediaStreamTrack | null>;
  /** What our camera stream to this peer may cost from the start (see VideoBudget); later changes go through setVideoBudget(). */
  videoBudget?: VideoBudget;
}

/**
 * ICE restarts back off while they keep failing: the first waits this long
 * after the previous one, each later one twice as long, up to the cap. A
 * pair that can never connect (a firewall between just those two) so costs
 * one offer, answer and gathering every 16 s, not a storm; a connection
 * resets the count.
 */
export const ICE_RESTART_BASE_MS = 2_000;
export const ICE_RESTART_CAP_MS = 16_000;
/*
 * Only the impolite side restarts ICE by itself. Both sides see a path fail
 * at the same moment, so restart offers from both would collide every time,
 * and the polite side would roll its restart offer back: in Chromium we saw
 * the video that side receives stop for good after such a rollback.
 */
/**
 * A path that stays `disconnected` this long is treated as lost. Shorter
 * blips recover by themselves (ICE keeps checking), so restarting sooner
 * would only add work.
 */
const DISCONNECTED_GRACE_MS = 3_000;
/**
 * An offer unanswered this long was probably lost (the signaling socket of
 * one side died with it in flight): it is sent again, at twice the interval
 * each time up to the cap. A repeat is harmless: the other side answers it
 * again, and an answer that finds us stable is dropped.
 */
const OFFER_RESEND_BASE_MS = 4_000;
const OFFER_RESEND_CAP_MS = 8_000;
/**
 * When both offered and we are the impolite side, we wait for the polite one
 * to answer ours. If ours has been out this long, the polite side evidently
 * never got it, so it goes again at once rather than leaving both waiting.
 */
const OFFER_LOST_AFTER_MS = 1_000;

/**
 * One RTCPeerConnection to one remote participant, negotiated with the
 * perfect-negotiation pattern (W3C webrtc-pc, "Perfect negotiation example").
 * It never touches the signaling socket: signals come in through
 * `handleSignal()` and go out as `signal` events.
 */
export class PeerLink extends TypedEmitter<PeerLinkEvents> {
  readonly remoteId: string;
  readonly polite: boolean;
  readonly pc: RTCPeerConnection;

  #makingOffer = false;
  #ignoreOffer = false;
  #settingRemoteAnswerPending = false;
  /** Candidates that arrived before any remote description could take them. */
  #pendingCandidates: RTCIceCandidateInit[] = [];
  /** Incoming signals are applied one at a time, in arrival order. */
  #incoming: Promise<void> = Promise.resolve();
  /** The transceivers that carry our microphone and camera; replaceTrack targets. */
  readonly #slots: Partial<Record<MediaKind, RTCRtpTransceiver>> = {};
  /** Our screen share's transceiver, kept between shares (inactive) so each share adds no m-line. */
  #screen: RTCRtpTransceiver | undefined;
  readonly #tracks: Record<MediaKind, MediaStreamTrack | null>;
  readonly #localStream: MediaStream;
  #channel: RTCDataChannel | undefined;
  /** Our camera's budget and keyframes: every change of a video sender's parameters goes through it. */
  readonly #video: VideoSender;
  #lastIceRestart = 0;
  /** ICE restarts since the link was last connected: the backoff exponent. */
  #iceRestarts = 0;
  #iceRetryTimer: ReturnType<typeof setTimeout> | undefined;
  /** When our outstanding offer was first sent (0: none), and the timer that sends it again. */
  #offerSentAt = 0;
  #offerResendMs = OFFER_RESEND_BASE_MS;
  #offerResendTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  readonly #abort = new AbortController();
  /** ICE said the path was down (disconnected or failed) and has not said it is back. */
  #pathDown = false;
  readonly #arrivals: ArrivalGapWatch;
  /** Whether anything arrives over the connection at all: our camera stream trickles while nothing does. */
  readonly #outage: OutageWatch;
  /** The connection has been up at least once: media may flow, and there is something to measure. */
  #connectedOnce = false;
  /** The first offer and answer have been applied on both sides as far as we know (we are stable with a remote description). */
  #negotiatedOnce = false;

  constructor(options: PeerLinkOptions) {
    super();
    this.remoteId = options.remoteId;
    this.polite = options.polite;
    this.#tracks = { ...options.tracks };
    this.#localStream = options.localStream;
    this.pc = new RTCPeerConnection({
      iceServers: options.iceServers,
      iceTransportPolicy: options.iceTransportPolicy ?? 'all',
      // One transport from the first offer on (every peer Parley talks to bundles): the offering side
      // gathers, signals and allocates (TURN) once instead of once per m-line, which the answer drops anyway.
      bundlePolicy: 'max-bundle',
    });

    const signal = this.#abort.signal;
    this.pc.addEventListener(
      'negotiationneeded',
      () => {
        // Our first offer is already being made (below); the browser asks again once stable if it still lacks anything.
        if (!this.#makingOffer) void this.#negotiate();
      },
      { signal },
    );
    this.pc.addEventListener('icecandidate', (event) => this.#onLocalCandidate(event), { signal });
    this.pc.addEventListener('track', (event) => this.emit('track', event.track, event.streams.map((s) => s.id)), { signal });
    this.pc.addEventListener('connectionstatechange', () => this.#onConnectionState(), { signal });
    this.pc.addEventListener('iceconnectionstatechange', () => this.#onIceConnectionState(), { signal });
    this.pc.addEventListener('datachannel', (event) => this.emit('channel', event.channel), { signal });
    this.pc.addEventListener('signalingstatechange', () => this.#onSignalingState(), { signal });
    this.#video = new VideoSender(this.pc, this.remoteId, () => this.#slots.video?.sender, options.videoBudget);
    this.#outage = new OutageWatch(this.pc, {
      down: () => {
        console.debug(`[parley] nothing arrives from ${this.remoteId}: our camera stream to them trickles until it does`);
        this.#video.pause();
      },
      up: () => {
        console.debug(`[parley] the path to ${this.remoteId} is back: our video resumes with a keyframe`);
        this.#video.resume();
      },
    });
    this.#arrivals = new ArrivalGapWatch(this.pc, {
      onReturn: (gapMs) => {
        console.debug(`[parley] media from ${this.remoteId} is back after ${Math.round(gapMs)} ms; sending a keyframe`);
        this.#outage.back();
        this.sendKeyFrame();
      },
      onQuiet: () => this.#outage.suspect(),
    });

    if (!this.polite) {
      for (const kind of MEDIA_KINDS) {
        this.#slots[kind] = this.pc.addTransceiver(this.#tracks[kind] ?? kind, {
          direction: 'sendrecv',
          streams: [this.#localStream],
          // The camera's starting budget goes in with the transceiver: no setParameters once negotiated.
          ...(kind === 'video' ? { sendEncodings: this.#video.startingEncodings() } : {}),
        });
      }
      if (this.#slots.video) this.#video.created(this.#slots.video.sender);
      this.#openChannel();
      // Offer now rather than at `negotiationneeded`: that event is a task of its own, which waits behind
      // whatever the page does meanwhile (rendering the new participant) before the offer is even started.
      void this.#negotiate();
    }
  }

  get connectionState(): RTCPeerConnectionState {
    return this.pc.connectionState;
  }

  /**
   * The tracks the remote peer's microphone and camera will arrive on, as far
   * as they exist yet: the impolite side made the transceivers, so its
   * receivers' tracks exist before the answer and its \`track\` events. The
   * polite side has none until the offer is applied.
   */
  get receiverTracks(): MediaStreamTrack[] {
    return MEDIA_KINDS.flatMap((kind) => this.#slots[kind]?.receiver.track ?? []);
  }

  /** Whether the connection has been up at least once (it may be down again now). */
  get connectedOnce(): boolean {
    return this.#connectedOnce;
  }

  /** Whether the first offer and answer have gone through (see the `negotiated` event). */
  get negotiatedOnce(): boolean {
    return this.#negotiatedOnce;
  }

  get channelOpen(): boolean {
    return this.#channel?.readyState === 'open';
  }

  /** Applies a signal from the remote peer; signals are processed strictly in order. */
  handleSignal(signal: SignalPayload): Promise<void> {
    const step = this.#incoming.then(() => this.#apply(signal));
    this.#incoming = step.catch((error: unknown) => {
      if (!this.#closed) console.warn(`[parley] signal from ${this.remoteId} failed:`, error);
    });
    return this.#incoming;
  }

  /** Switches what we send for `kind` without renegotiation; null sends nothing. */
  async replaceTrack(kind: MediaKind, track: MediaStreamTrack | null): Promise<void> {
    this.#tracks[kind] = track;
    const slot = this.#slots[kind];
    if (slot && !this.#closed) await slot.sender.replaceTrack(track);
  }

  /** Limits our camera stream to this peer; needs no renegotiation. */
  setVideoBudget(budget: VideoBudget): void {
    this.#video.setBudget(budget);
  }

  /** Starts (track) or stops (null) sending our screen; renegotiates through perfect negotiation. */
  async setScreenTrack(track: MediaStreamTrack | null, stream: MediaStream): Promise<void> {
    if (this.#closed) return;
    if (track && !this.#screen) {
      this.#screen = this.pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      return;
    }
    if (!this.#screen) return;
    await this.#screen.sender.replaceTrack(track);
    if (!this.#closed) this.#screen.direction = track ? 'sendonly' : 'inactive';
  }

  /**
   * New ICE servers (fresh TURN credentials) for every later gathering: ICE
   * restarts and new allocations use them; the running path is untouched.
   */
  setIceServers(iceServers: RTCIceServer[]): void {
    if (this.#closed) return;
    this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers });
  }

  /** Finds a new path now (the offer goes out through the perfect-negotiation path). */
  restartIce(): void {
    if (this.#closed) return;
    this.#lastIceRestart = Date.now();
    this.#iceRestarts++;
    this.pc.restartIce();
    this.emit('ice-restart', this.#iceRestarts);
  }

  /** Makes our video encoders send a keyframe now (see VideoSender.sendKeyFrame). */
  sendKeyFrame(): void {
    this.#video.sendKeyFrame();
  }

  /** ICE restarts since the link was last connected. */
  get iceRestarts(): number {
    return this.#iceRestarts;
  }

  /**
   * Our signaling connection is back after an outage, in which signals to or
   * from the other side may have been lost: an offer still unanswered goes
   * again now, and a path that is down is restarted now instead of at the
   * next backoff step.
   */
  resync(): void {
    if (this.#closed) return;
    if (this.pc.signalingState === 'have-local-offer') {
      this.#resendOffer();
      return;
    }
    const ice = this.pc.iceConnectionState;
    if (!this.polite && (ice === 'disconnected' || ice === 'failed' || this.pc.connectionState === 'failed')) {
      clearTimeout(this.#iceRetryTimer);
      this.#iceRetryTimer = undefined;
      this.restartIce();
    }
  }

  /**
   * Opens an extra data channel (one per file transfer, so a large file never
   * queues chat behind it). Needs no renegotiation once the link is up.
   */
  createChannel(label: string): RTCDataChannel {
    if (this.#closed) throw new Error('link closed');
    return this.pc.createDataChannel(label, { ordered: true });
  }

  /**
   * The largest data channel message the peer accepts (its SDP's
   * `a=max-message-size`; Chromium says 256 KiB), or undefined before the
   * SCTP transport exists.
   */
  maxMessageSize(): number | undefined {
    return this.pc.sctp?.maxMessageSize;
  }

  /** Sends a text message on the data channel; false when it is not open. */
  send(text: string): boolean {
    if (this.#channel?.readyState !== 'open') return false;
    this.#channel.send(text);
    return true;
  }

  /** Closes the connection and drops every listener. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#iceRetryTimer);
    clearTimeout(this.#offerResendTimer);
    this.#arrivals.close();
    this.#outage.close();
    this.#video.close();
    this.#abort.abort();
    this.#channel?.close();
    this.pc.close();
    this.#pendingCandidates = [];
    this.removeAllListeners();
  }

  async #negotiate(): Promise<void> {
    try {
      this.#makingOffer = true;
      await this.pc.setLocalDescription();
      const description = this.pc.localDescription;
      if (description && !this.#closed) {
        this.emit('signal', { description: toWireDescription(description) });
        if (description.type === 'offer') this.#awaitAnswer();
      }
    } catch (error) {
      if (!this.#closed) console.warn(`[parley] could not make an offer to ${this.remoteId}:`, error);
    } finally {
      this.#makingOffer = false;
    }
  }

  async #apply(signal: SignalPayload): Promise<void> {
    if (this.#closed) return;
    if ('description' in signal) {
      await this.#applyDescription(signal.description as RTCSessionDescriptionInit);
    } else {
      await this.#applyCandidate(toCandidateInit(signal.candidate));
    }
  }

  async #applyDescription(description: RTCSessionDescriptionInit): Promise<void> {
    const readyForOffer =
      !this.#makingOffer && (this.pc.signalingState === 'stable' || this.#settingRemoteAnswerPending);
    const offerCollision = description.type === 'offer' && !readyForOffer;
    if (description.type === 'offer' && this.#isRepeat(description)) {
      // The offer we answered, sent again by a side that thought it lost: answer again, change nothing.
      const answer = this.pc.localDescription;
      if (answer?.type === 'answer') this.emit('signal', { description: toWireDescription(answer) });
      return;
    }
    this.#ignoreOffer = !this.polite && offerCollision;
    if (this.#ignoreOffer) {
      // The polite side offered instead of answering ours: if ours is long out, it never arrived.
      if (this.#offerSentAt > 0 && Date.now() - this.#offerSentAt > OFFER_LOST_AFTER_MS) this.#resendOffer();
      return;
    }
    if (description.type === 'answer' && this.pc.signalingState !== 'have-local-offer') {
      // The answer to an offer we sent twice (see OFFER_RESEND_BASE_MS): the first one settled it.
      console.debug(`[parley] dropped a repeated answer from ${this.remoteId}`);
      return;
    }

    this.#settingRemoteAnswerPending = description.type === 'answer';
    // On a collision the polite peer's setRemoteDescription rolls its own offer back.
    await this.pc.setRemoteDescription(description);
    this.#settingRemoteAnswerPending = false;
    if (this.#closed) return;

    if (description.type === 'offer') {
      // Our tracks go onto the offered slots while the answer is made: awaiting
      // each step in turn only adds trips through a busy main thread before the answer leaves.
      const adopted = this.#adoptOfferedSlots();
      this.#openChannel();
      await Promise.all([adopted, this.pc.setLocalDescription()]);
      const answer = this.pc.localDescription;
      if (answer && !this.#closed) this.emit('signal', { description: toWireDescription(answer) });
    }
    await this.#flushCandidates();
  }

  async #applyCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (!this.pc.remoteDescription) {
      this.#pendingCandidates.push(candidate);
      return;
    }
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (error) {
      // Candidates of an offer we ignored in a collision cannot apply; others should.
      if (!this.#ignoreOffer) throw error;
    }
  }

  async #flushCandidates(): Promise<void> {
    const queued = this.#pendingCandidates;
    this.#pendingCandidates = [];
    for (const candidate of queued) {
      try {
        await this.pc.addIceCandidate(candidate);
      } catch (error) {
        // A queued candidate may belong to a description that was rolled back.
        console.debug(`[parley] dropped a stale candidate from ${this.remoteId}:`, error);
      }
    }
  }

  /**
   * The polite peer's microphone and camera ride on the transceivers the
   * impolite peer's first offer created: turning them to sendrecv before the
   * answer means one audio and one video m-line per pair, never two.
   */
  #adoptOfferedSlots(): Promise<unknown> {
    const taken = new Set([...Object.values(this.#slots), this.#screen]);
    const replaced: Promise<void>[] = [];
    for (const kind of MEDIA_KINDS) {
      if (this.#slots[kind]) continue;
      const transceiver = this.pc
        .getTransceivers()
        .find((t) => !taken.has(t) && t.mid !== null && t.currentDirection !== 'stopped' && t.receiver.track.kind === kind);
      if (!transceiver) continue;
      this.#slots[kind] = transceiver;
      taken.add(transceiver);
      transceiver.direction = 'sendrecv';
      transceiver.sender.setStreams(this.#localStream);
      replaced.push(transceiver.sender.replaceTrack(this.#tracks[kind]));
    }
    return Promise.all(replaced);
  }

  #openChannel(): void {
    if (this.#channel) return;
    // Negotiated with a fixed id: both sides create it, so neither waits for the other's ondatachannel.
    const channel = this.pc.createDataChannel('parley', { negotiated: true, id: 0, ordered: true });
    const signal = this.#abort.signal;
    channel.addEventListener('open', () => this.emit('channel-open'), { signal });
    channel.addEventListener(
      'message',
      (event: MessageEvent) => {
        if (typeof event.data === 'string') this.emit('message', event.data);
      },
      { signal },
    );
    this.#channel = channel;
  }

  #onLocalCandidate(event: RTCPeerConnectionIceEvent): void {
    // A null candidate marks the end of gathering; the remote side needs no word of it.
    if (event.candidate) this.emit('signal', { candidate: event.candidate.toJSON() as SignalCandidate });
  }

  #onConnectionState(): void {
    const state = this.pc.connectionState;
    if (state === 'connected') {
      this.#iceRestarts = 0;
      this.#connectedOnce = true;
      this.#video.connected();
      this.#arrivals.start();
    }
    // Chromium may call a path that never worked `failed` here while ICE itself says only `disconnected`.
    if (state === 'failed') {
      clearTimeout(this.#iceRetryTimer);
      this.#iceRetryTimer = undefined;
      this.#restartIceBounded();
    }
    this.emit('connection-state', state);
  }

  #onSignalingState(): void {
    if (this.pc.signalingState === 'stable') {
      this.#video.negotiated();
      if (!this.#negotiatedOnce && this.pc.currentRemoteDescription) {
        this.#negotiatedOnce = true;
        this.emit('negotiated');
      }
    }
    if (this.pc.signalingState !== 'have-local-offer') {
      this.#offerSentAt = 0;
      clearTimeout(this.#offerResendTimer);
      this.#offerResendTimer = undefined;
    }
  }

  /** Our offer just went out: if no answer comes, it goes again (see OFFER_RESEND_BASE_MS). */
  #awaitAnswer(): void {
    this.#offerSentAt = Date.now();
    this.#offerResendMs = OFFER_RESEND_BASE_MS;
    clearTimeout(this.#offerResendTimer);
    this.#offerResendTimer = setTimeout(() => this.#resendOffer(), this.#offerResendMs);
  }

  #resendOffer(): void {
    clearTimeout(this.#offerResendTimer);
    const offer = this.pc.localDescription;
    if (this.#closed || this.pc.signalingState !== 'have-local-offer' || offer?.type !== 'offer') return;
    this.emit('signal', { description: toWireDescription(offer) });
    this.#offerSentAt = Date.now();
    this.#offerResendMs = Math.min(OFFER_RESEND_CAP_MS, this.#offerResendMs * 2);
    this.#offerResendTimer = setTimeout(() => this.#resendOffer(), this.#offerResendMs);
  }

  /** Recovery: restart ICE when the path failed, or stayed disconnected past the grace period. */
  #onIceConnectionState(): void {
    const state = this.pc.iceConnectionState;
    clearTimeout(this.#iceRetryTimer);
    this.#iceRetryTimer = undefined;
    if ((state === 'connected' || state === 'completed') && this.#pathDown) {
      // The path is back: what we sent meanwhile was lost, so the other side needs a keyframe.
      this.#pathDown = false;
      this.#outage.back();
      this.sendKeyFrame();
    }
    if (state === 'disconnected' || state === 'failed') {
      this.#pathDown = true;
      this.#outage.suspect();
    }
    if (state === 'failed') this.#restartIceBounded();
    else if (state === 'disconnected') {
      this.#iceRetryTimer = setTimeout(() => this.#restartIceBounded(), DISCONNECTED_GRACE_MS);
    }
  }

  /**
   * An offer identical to the one we last answered: same origin line, whose
   * session version the offerer raises with every new offer. (Comparing the
   * whole SDP would not do: ours has the candidates added since.)
   */
  #isRepeat(offer: RTCSessionDescriptionInit): boolean {
    if (this.pc.signalingState !== 'stable' || this.pc.currentRemoteDescription?.type !== 'offer') return false;
    const origin = (sdp: string | undefined) => /^o=.*$/m.exec(sdp ?? '')?.[0];
    const theirs = origin(offer.sdp);
    return theirs !== undefined && theirs === origin(this.pc.currentRemoteDescription.sdp);
  }

  #restartIceBounded(): void {
    if (this.polite) return;
    const interval = this.#iceRestarts === 0 ? 0 : Math.min(ICE_RESTART_CAP_MS, ICE_RESTART_BASE_MS * 2 ** (this.#iceRestarts - 1));
    const wait = this.#lastIceRestart + interval - Date.now();
    // An offer still out (a restart not answered yet) already asks for a new path; it is resent if lost.
    const busy = this.pc.signalingState !== 'stable';
    if (wait > 0 || busy) {
      // Too soon after the last one: try again when the interval has passed, if still needed.
      clearTimeout(this.#iceRetryTimer);
      this.#iceRetryTimer = setTimeout(() => {
        const state = this.pc.iceConnectionState;
        if (state === 'failed' || state === 'disconnected') this.#restartIceBounded();
      }, Math.max(wait, busy ? 1_000 : 0));
      return;
    }
    this.restartIce();
  }
}

function toWireDescription(description: RTCSessionDescription) {
  return { type: description.type, sdp: description.sdp };
}

type SignalCandidate = Extract<SignalPayload, { candidate: unknown }>['candidate'];

function toCandidateInit(candidate: SignalCandidate): RTCIceCandidateInit {
  const init: RTCIceCandidateInit = { candidate: candidate.candidate };
  if (candidate.sdpMid !== undefined) init.sdpMid = candidate.sdpMid;
  if (candidate.sdpMLineIndex !== undefined) init.sdpMLineIndex = candidate.sdpMLineIndex;
  if (candidate.usernameFragment !== undefined) init.usernameFragment = candidate.usernameFragment;
  return init;
}
