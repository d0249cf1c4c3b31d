import { TypedEmitter, type MediaState } from '@parley/protocol';
import { ParleyError } from './errors.js';
import type { MediaKind } from './PeerLink.js';

export type LocalParticipantEvents = {
  /** What we send for `kind` changed (camera turned off: null). Links follow with replaceTrack. */
  'track-changed': (kind: MediaKind, track: MediaStreamTrack | null) => void;
  'media-changed': (media: MediaState) => void;
  /** A device went away (unplugged) and no other of its kind could replace it. */
  'device-lost': (kind: MediaKind) => void;
  /** Screen sharing started (the track) or stopped (null), from our button or the browser's own. */
  'screen-changed': (track: MediaStreamTrack | null) => void;
};

export interface LocalMediaOptions {
  /** false: start without a microphone; an object: constraints of our own. */
  audio?: boolean | MediaTrackConstraints;
  video?: boolean | MediaTrackConstraints;
}

/** Speech-friendly processing on; the browser picks the device. */
export const DEFAULT_AUDIO_CONSTRAINTS: MediaTrackConstraints = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

/**
 * 960x540 at up to 24 fps: sharp on a grid tile, and in a mesh of 8 each of
 * us uploads seven copies, so more would cost everyone their upload.
 */
export const DEFAULT_VIDEO_CONSTRAINTS: MediaTrackConstraints = {
  width: { ideal: 960 },
  height: { ideal: 540 },
  frameRate: { ideal: 24, max: 30 },
};

/**
 * Our own microphone and camera. Muting disables the audio track (instant, no
 * renegotiation); turning the camera off stops the track so the camera light
 * goes out, and turning it on acquires a new one.
 */
export class LocalParticipant extends TypedEmitter<LocalParticipantEvents> {
  /** Holds the current tracks; what the local preview and the remote peers see. */
  readonly stream = new MediaStream();
  /** Holds the screen share while there is one; the same stream every time, so its id names it. */
  readonly screenStream = new MediaStream();
  #screen: MediaStreamTrack | null = null;
  #audio: MediaStreamTrack | null = null;
  #video: MediaStreamTrack | null = null;
  #micMuted = false;
  readonly #audioConstraints: MediaTrackConstraints;
  readonly #videoConstraints: MediaTrackConstraints;
  /** The devices asked for by `switchDevice()`; undefined: the browser's default. */
  readonly #preferred: Partial<Record<MediaKind, string>> = {};
  /** Why a device could not be started, if one could not; the call can go on without it. */
  mediaError: ParleyError | null = null;
  #released = false;

  private constructor(options: LocalMediaOptions) {
    super();
    this.#audioConstraints = typeof options.audio === 'object' ? options.audio : DEFAULT_AUDIO_CONSTRAINTS;
    this.#videoConstraints = typeof options.video === 'object' ? options.video : DEFAULT_VIDEO_CONSTRAINTS;
  }

  /**
   * Starts the devices asked for. It never fails outright: when the camera or
   * microphone cannot be had, the participant comes back without that track
   * and `mediaError` says why, so a person can still join to listen and watch.
   */
  static async create(options: LocalMediaOptions = {}): Promise<LocalParticipant> {
    const participant = new LocalParticipant(options);
    const wantAudio = options.audio !== false;
    const wantVideo = options.video !== false;
    if (!wantAudio) participant.#micMuted = true;
    if (!wantAudio && !wantVideo) return participant;
    try {
      const stream = await getUserMedia({
        audio: wantAudio ? participant.#audioConstraints : false,
        video: wantVideo ? participant.#videoConstraints : false,
      });
      for (const track of stream.getTracks()) participant.#setTrack(track.kind as MediaKind, track);
    } catch (error) {
      participant.mediaError = ParleyError.fromMediaError(error);
      // One device failing must not cost the other: try each alone.
      if (wantAudio) await participant.#tryAcquire('audio');
      if (wantVideo) await participant.#tryAcquire('video');
    }
    if (!participant.#audio) participant.#micMuted = true;
    return participant;
  }

  get audioTrack(): MediaStreamTrack | null {
    return this.#audio;
  }

  get videoTrack(): MediaStreamTrack | null {
    return this.#video;
  }

  get media(): MediaState {
    return { micMuted: this.#micMuted || !this.#audio, cameraOff: !this.#video };
  }

  track(kind: MediaKind): MediaStreamTrack | null {
    return kind === 'audio' ? this.#audio : this.#video;
  }

  /** The device each current track comes from (as enumerateDevices names it). */
  deviceId(kind: MediaKind): string | undefined {
    return this.track(kind)?.getSettings().deviceId ?? this.#preferred[kind];
  }

  /**
   * Moves to another camera or microphone mid-call: the new track replaces the
   * old on every link (replaceTrack, no renegotiation). With the camera off,
   * the choice is kept for when it is turned on.
   */
  async switchDevice(kind: MediaKind, deviceId: string): Promise<void> {
    this.#assertLive();
    this.#preferred[kind] = deviceId;
    if (!this.track(kind)) return;
    const track = await acquire(kind, this.#constraints(kind));
    if (this.#released) {
      track.stop();
      return;
    }
    this.#setTrack(kind, track);
    this.emit('track-changed', kind, track);
  }

  /** Mutes or unmutes; unmuting with no microphone yet tries to start one. */
  async setMicrophoneEnabled(enabled: boolean): Promise<void> {
    this.#assertLive();
    if (enabled && !this.#audio) {
      const track = await acquire('audio', this.#constraints('audio'));
      this.#setTrack('audio', track);
      this.emit('track-changed', 'audio', track);
    }
    if (this.#audio) this.#audio.enabled = enabled;
    this.#micMuted = !enabled;
    this.emit('media-changed', this.media);
  }

  /** Turns the camera off (the track is stopped: the light goes out) or on (a new track). */
  async setCameraEnabled(enabled: boolean): Promise<void> {
    this.#assertLive();
    if (enabled === Boolean(this.#video)) return;
    if (enabled) {
      const track = await acquire('video', this.#constraints('video'));
      if (this.#released) {
        track.stop();
        return;
      }
      this.#setTrack('video', track);
      this.emit('track-changed', 'video', track);
    } else {
      this.#setTrack('video', null);
      this.emit('track-changed', 'video', null);
    }
    this.emit('media-changed', this.media);
  }

  get screenTrack(): MediaStreamTrack | null {
    return this.#screen;
  }

  /** Asks the browser for a screen, window or tab and shares it. */
  async startScreenShare(): Promise<void> {
    this.#assertLive();
    if (this.#screen) return;
    if (!navigator.mediaDevices?.getDisplayMedia) throw new ParleyError('media-failed', 'this browser cannot share a screen');
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15, max: 30 } }, audio: false });
    } catch (error) {
      throw ParleyError.fromMediaError(error);
    }
    const track = stream.getVideoTracks()[0];
    if (!track) throw new ParleyError('media-failed', 'the browser returned no screen track');
    if (this.#released) {
      track.stop();
      return;
    }
    // Text and edges stay sharp; the encoder lowers frame rate before resolution.
    track.contentHint = 'detail';
    // The browser's own "Stop sharing" ends the track without asking us.
    track.addEventListener('ended', () => this.stopScreenShare(), { once: true });
    this.#screen = track;
    this.screenStream.addTrack(track);
    this.emit('screen-changed', track);
  }

  stopScreenShare(): void {
    const track = this.#screen;
    if (!track) return;
    this.#screen = null;
    track.stop();
    this.screenStream.removeTrack(track);
    this.emit('screen-changed', null);
  }

  /** Stops every track and drops every listener. Safe to call twice. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.stopScreenShare();
    this.#setTrack('audio', null);
    this.#setTrack('video', null);
    this.removeAllListeners();
  }

  get released(): boolean {
    return this.#released;
  }

  async #tryAcquire(kind: MediaKind): Promise<void> {
    try {
      this.#setTrack(kind, await acquire(kind, this.#constraints(kind)));
    } catch {
      // mediaError already tells the first reason; the participant goes on without this device.
    }
  }

  #constraints(kind: MediaKind): MediaTrackConstraints {
    const base = kind === 'audio' ? this.#audioConstraints : this.#videoConstraints;
    const deviceId = this.#preferred[kind];
    return deviceId ? { ...base, deviceId: { exact: deviceId } } : base;
  }

  #setTrack(kind: MediaKind, track: MediaStreamTrack | null): void {
    const previous = kind === 'audio' ? this.#audio : this.#video;
    if (previous) {
      previous.removeEventListener('ended', this.#onTrackEnded);
      previous.stop();
      this.stream.removeTrack(previous);
    }
    if (track) {
      if (kind === 'audio') track.enabled = !this.#micMuted;
      track.addEventListener('ended', this.#onTrackEnded);
      this.stream.addTrack(track);
    }
    if (kind === 'audio') this.#audio = track;
    else this.#video = track;
  }

  /**
   * A track ends on its own when its device goes away (unplugged, taken by the
   * system). Follow it: fall back to the default device of that kind; with none
   * left, carry on without it (camera off, microphone muted) and say so.
   */
  readonly #onTrackEnded = (event: Event): void => {
    const ended = event.target as MediaStreamTrack;
    const kind = ended.kind as MediaKind;
    if (this.#released || this.track(kind) !== ended) return;
    delete this.#preferred[kind];
    void acquire(kind, this.#constraints(kind))
      .then((track) => {
        if (this.#released || this.track(kind) !== ended) return track.stop();
        this.#setTrack(kind, track);
        this.emit('track-changed', kind, track);
      })
      .catch(() => {
        if (this.#released || this.track(kind) !== ended) return;
        this.#setTrack(kind, null);
        if (kind === 'audio') this.#micMuted = true;
        this.emit('track-changed', kind, null);
        this.emit('media-changed', this.media);
        this.emit('device-lost', kind);
      });
  };

  #assertLive(): void {
    if (this.#released) throw ParleyError.invalidState('this local participant has been released');
  }
}

export interface MediaDevices {
  cameras: MediaDeviceInfo[];
  microphones: MediaDeviceInfo[];
  speakers: MediaDeviceInfo[];
}

/** The devices a person can pick from (labels appear once media permission was granted). */
export async function listMediaDevices(): Promise<MediaDevices> {
  const devices = (await navigator.mediaDevices?.enumerateDevices()) ?? [];
  return {
    cameras: devices.filter((d) => d.kind === 'videoinput'),
    microphones: devices.filter((d) => d.kind === 'audioinput'),
    speakers: devices.filter((d) => d.kind === 'audiooutput'),
  };
}

async function acquire(kind: MediaKind, constraints: MediaTrackConstraints): Promise<MediaStreamTrack> {
  const stream = await getUserMedia(kind === 'audio' ? { audio: constraints } : { video: constraints });
  const track = stream.getTracks()[0];
  if (!track) throw new ParleyError('media-not-found', `no ${kind} track was returned`);
  return track;
}

async function getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new ParleyError('media-failed', 'this page has no access to media devices (it needs https or localhost)');
  }
  try {
    return await navigator.mediaDevices.getUserMedia(constraints);
  } catch (error) {
    throw ParleyError.fromMediaError(error);
  }
}
