import type { MediaState, PeerInfo } from '@parley/protocol';
import type { PeerLink } from './PeerLink.js';
import { TypedEmitter } from './TypedEmitter.js';

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
