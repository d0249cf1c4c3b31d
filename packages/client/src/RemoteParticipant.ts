import type { MediaState, PeerInfo } from '@parley/protocol';
import type { PeerLink } from './PeerLink.js';
import { TypedEmitter } from './TypedEmitter.js';

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
  #media: MediaState;
  #connectionState: RTCPeerConnectionState = 'new';
  #status: LinkStatus = 'connecting';
  readonly #subs: (() => void)[] = [];

  /** @internal Created by Room. */
  constructor(info: PeerInfo, link: PeerLink) {
    super();
    this.id = info.id;
    this.name = info.name;
    this.#media = { ...info.media };
    this.#subs.push(
      link.on('track', (track) => this.#addTrack(track)),
      link.on('connection-state', (state) => {
        this.#connectionState = state;
        this.#status = nextStatus(this.#status, state);
        this.emit('connection-state', state);
      }),
    );
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

  /** @internal */
  updateMedia(media: MediaState): void {
    if (media.micMuted === this.#media.micMuted && media.cameraOff === this.#media.cameraOff) return;
    this.#media = { ...media };
    this.emit('media-changed', this.media);
  }

  /** @internal Drops the tracks and listeners; the Room closes the link. */
  dispose(): void {
    for (const unsubscribe of this.#subs.splice(0)) unsubscribe();
    for (const track of this.stream.getTracks()) {
      this.stream.removeTrack(track);
      this.emit('track-removed', track);
    }
    this.#connectionState = 'closed';
    this.removeAllListeners();
  }

  #addTrack(track: MediaStreamTrack): void {
    if (this.stream.getTrackById(track.id)) return;
    this.stream.addTrack(track);
    this.emit('track-added', track);
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
