import type { KnockOutcome, MediaState, PeerLeftReason, WaiterInfo } from '@parley/protocol';
import type { ChatMessage } from './chat/MeshChat.js';
import type { ParleyError } from './errors.js';
import type { LinkQuality } from './quality/measureLink.js';
import type { RemoteParticipant } from './RemoteParticipant.js';
import type { SafetyStatus } from './safety/SafetyCheck.js';

/**
 * joining → joined ⇄ reconnecting → left. While `reconnecting` the signaling
 * connection is down and being retried; the peer connections are untouched,
 * so media and chat go on. `rejoining`: the server would not take us back
 * (our place ended while we were away), so we join again as a new
 * participant; when it answers, every link is built anew (event `rejoined`)
 * and we are `joined`. `signaling-lost`: we cannot come back (this page speaks
 * another protocol version, or the fresh join was refused; see
 * `signalingError`); the call goes on with whoever we are connected to.
 * `removed`: a host put us out; everything is closed, as after `leave()`.
 */
export type RoomState = 'joining' | 'joined' | 'reconnecting' | 'rejoining' | 'signaling-lost' | 'left' | 'removed';

/** What `rejoined` tells: who we were, and why the server would not take that participant back. */
export interface RejoinInfo {
  previousSelfId: string;
  /** The resume's refusal (`resume-failed`), e.g. the place ended while we were away. */
  reason: ParleyError;
}

export type RoomEvents = {
  'state-changed': (state: RoomState, previous: RoomState) => void;
  'participant-joined': (participant: RemoteParticipant) => void;
  'participant-left': (participant: RemoteParticipant, reason: PeerLeftReason) => void;
  'track-added': (participant: RemoteParticipant, track: MediaStreamTrack) => void;
  'track-removed': (participant: RemoteParticipant, track: MediaStreamTrack) => void;
  'media-changed': (participant: RemoteParticipant, media: MediaState) => void;
  'peer-connection-state': (participant: RemoteParticipant, state: RTCPeerConnectionState) => void;
  'quality-changed': (participant: RemoteParticipant, quality: LinkQuality) => void;
  /** Who is talking now (the loudest above a floor): a participant id, our own id, or null. */
  'active-speaker-changed': (participantId: string | null) => void;
  /** A participant started or stopped sharing a screen. */
  'screen-changed': (participant: RemoteParticipant, sharing: boolean) => void;
  /** The safety code of the link to a participant became known or changed, or its encrypted session was refused. */
  'safety-changed': (participant: RemoteParticipant, status: SafetyStatus) => void;
  message: (message: ChatMessage) => void;
  /** Hosts only: someone waits in the lobby; answer with `admit()` or `deny()`. */
  knock: (waiter: WaiterInfo) => void;
  /** Hosts only: someone no longer waits (a host answered, or they gave up). */
  'knock-ended': (waiterId: string, outcome: KnockOutcome) => void;
  /** A host turned the lobby on or off. */
  'lobby-changed': (enabled: boolean) => void;
  /** A host removed us; the room is closed (state `removed`) and `message` says who. */
  removed: (message: string) => void;
  /**
   * The server would not take us back, so we joined again as a new
   * participant: `selfId` changed, and every RemoteParticipant was replaced
   * (the same people keep their ids; read `participants` again). Emitted after
   * the new ones were added and before the state turns `joined`.
   */
  rejoined: (info: RejoinInfo) => void;
  /** We cannot come back to the server (state `signaling-lost`); `error.code` says why, e.g. `unsupported-protocol`: reload the page. */
  'signaling-lost': (error: ParleyError) => void;
};
