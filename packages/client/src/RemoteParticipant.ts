import { TypedEmitter } from '@parley/protocol';
import type { MediaState, PeerInfo } from '@parley/protocol';
import type { PeerLink } from './PeerLink.js';
import type { LinkQuality } from './quality/measureLink.js';
import { SafetyCheck, type SafetyStatus } from './safety/SafetyCheck.js';
import type { SafetyCode } from './safety/SafetyCode.js';

/**
 * What a person needs to know about the link to someone, derived from the
 * peer connection's state: `failed` stays until the link connects again, even
 * while ICE restarts keep trying, so the app can say so plainly.
 */
export type LinkStatus = 'connecting' | 'connected' | 'reconnecting' | 'failed';

export type RemoteParticipantEvents = {
  'track-added': (track: MediaStreamTrack) => void;
  'track-removed': (track: MediaStreamTrack) => void;
  'media-changed': (media: MediaState) => void;
  'connection-state': (state: RTCPeerConnectionState) => void;
  /** The first offer and answer with them have gone through (once); see `negotiated`. */
  negotiated: () => void;
  /** A new measurement of the link to them (every second). */
  'quality-changed': (quality: LinkQuality) => void;
  /** They started or stopped sharing a screen; see `screenStream`. */
  'screen-changed': (sharing: boolean) => void;
  /** The safety code became known or changed, or the encrypted session was refused; see `safety`. */
  'safety-changed': (status: SafetyStatus) => void;
};

/**
 * Someone else in the room: who they are, what they say about their media, and
 * the stream their tracks arrive in. The link to them is the Room's business.
 */
export class RemoteParticipant extends TypedEmitter<RemoteParticipantEvents> {
  readonly id: string;
  readonly name: string;
  /** Their microphone and camera, as they arrive over the peer connection. */
  readonly stream = new MediaStream();
  /** Their screen share, while `screenSharing`. */
  readonly screenStream = new MediaStream();
  /** The stream id each remote track came in, to tell screen from camera. */
  readonly #trackStreams = new Map<MediaStreamTrack, string | undefined>();
  #screenStreamId: string | null = null;
  /** Every stream id ever announced as a screen: its tracks never count as the camera. */
  readonly #screenStreamIds = new Set<string>();
  #media: MediaState;
  #connectionState: RTCPeerConnectionState = 'new';
  #status: LinkStatus = 'connecting';
  #negotiated: boolean;
  #quality: LinkQuality | null = null;
  readonly #safety: SafetyCheck;
  readonly #subs: (() => void)[] = [];

  /** @internal Created by Room. */
  constructor(info: PeerInfo, link: PeerLink) {
    super();
    this.id = info.id;
    this.name = info.name;
    this.#media = { ...info.media };
    this.#safety = new SafetyCheck(link);
    this.#negotiated = link.negotiatedOnce;
    // In the stream from the start when they exist (see PeerLink.receiverTracks): a video element
    // given the stream now needs no second attach when \`track\` fires. In the bench's traces that
    // re-attach often came after the path was up and held the first frame back by about 0.2 s.
    for (const track of link.receiverTracks) {
      this.#trackStreams.set(track, undefined);
      this.#place(track);
    }
    this.#subs.push(
      () => this.#safety.close(),
      this.#safety.on('changed', (status) => this.emit('safety-changed', status)),
      link.on('track', (track, streamIds) => {
        this.#trackStreams.set(track, streamIds[0]);
        this.#place(track);
      }),
      link.on('negotiated', () => {
        this.#negotiated = true;
        this.emit('negotiated');
      }),
      link.on('connection-state', (state) => {
        this.#connectionState = state;
        this.#status = nextStatus(this.#status, state);
        this.emit('connection-state', state);
      }),
    );
  }

  /** Whether the first offer and answer with them have gone through: the rest of the call's start needs little of the page. */
  get negotiated(): boolean {
    return this.#negotiated;
  }

  get media(): MediaState {
    return { ...this.#media };
  }

  get connectionState(): RTCPeerConnectionState {
    return this.#connectionState;
  }

  get status(): LinkStatus {
    return this.#status;
  }

  /**
   * Who is at the other end: once the encrypted session is up, a code both
   * people should see the same (compare it aloud); different codes mean
   * someone sits in the middle of the link.
   */
  get safety(): SafetyStatus {
    return this.#safety.status;
  }

  /** The safety code, once known; null while pending or after a refused session. */
  get safetyCode(): SafetyCode | null {
    const status = this.#safety.status;
    return status.state === 'ready' ? status.code : null;
  }

  /** The latest measurement of the link to them; null before the first. */
  get quality(): LinkQuality | null {
    return this.#quality;
  }

  /** @internal */
  updateQuality(quality: LinkQuality): void {
    this.#quality = quality;
    this.emit('quality-changed', quality);
  }

  get screenSharing(): boolean {
    return this.#screenStreamId !== null && this.screenStream.getVideoTracks().length > 0;
  }

  /**
   * @internal Which of their streams is a screen share (null: none). The
   * announcement and the track travel separately (data channel, signaling), so
   * either may come first: tracks are filed again whenever it changes.
   */
  setScreenStreamId(streamId: string | null): void {
    if (streamId === this.#screenStreamId) return;
    const wasSharing = this.screenSharing;
    this.#screenStreamId = streamId;
    if (streamId !== null) this.#screenStreamIds.add(streamId);
    for (const track of this.#trackStreams.keys()) this.#place(track);
    if (this.screenSharing !== wasSharing) this.emit('screen-changed', this.screenSharing);
  }

  /** @internal */
  updateMedia(media: MediaState): void {
    if (media.micMuted === this.#media.micMuted && media.cameraOff === this.#media.cameraOff) return;
    this.#media = { ...media };
    this.emit('media-changed', this.media);
  }

  /** @internal Drops the tracks and listeners; the Room closes the link. */
  dispose(): void {
    for (const unsubscribe of this.#subs.splice(0)) unsubscribe();
    for (const stream of [this.stream, this.screenStream]) {
      for (const track of stream.getTracks()) {
        stream.removeTrack(track);
        this.emit('track-removed', track);
      }
    }
    this.#trackStreams.clear();
    this.#connectionState = 'closed';
    this.removeAllListeners();
  }

  /** Files a track under the camera stream, the screen stream, or (a share that stopped) neither. */
  #place(track: MediaStreamTrack): void {
    const streamId = this.#trackStreams.get(track);
    const fromScreen = streamId !== undefined && this.#screenStreamIds.has(streamId);
    const into = !fromScreen ? this.stream : streamId === this.#screenStreamId ? this.screenStream : null;
    const wasSharing = this.screenSharing;
    for (const stream of [this.stream, this.screenStream]) {
      if (stream !== into && stream.getTrackById(track.id)) {
        stream.removeTrack(track);
        this.emit('track-removed', track);
      }
    }
    if (into && !into.getTrackById(track.id)) {
      into.addTrack(track);
      this.emit('track-added', track);
    }
    if (this.screenSharing !== wasSharing) this.emit('screen-changed', this.screenSharing);
  }
}

function nextStatus(current: LinkStatus, state: RTCPeerConnectionState): LinkStatus {
  switch (state) {
    case 'connected':
      return 'connected';
    case 'failed':
      return 'failed';
    case 'disconnected':
      return current === 'failed' ? 'failed' : 'reconnecting';
    case 'new':
    case 'connecting':
      // An ICE restart after a failure or a drop: keep saying what the person last saw.
      return current === 'connected' ? 'reconnecting' : current;
    case 'closed':
      return current;
  }
}
