export { Room } from './Room.js';
export { signalingUrl, type JoinOptions } from './JoinOptions.js';
export type { RejoinInfo, RoomEvents, RoomState } from './RoomEvents.js';
export type { ChatMessage } from './chat/MeshChat.js';
export {
  LocalParticipant,
  listMediaDevices,
  type MediaDevices,
  DEFAULT_AUDIO_CONSTRAINTS,
  DEFAULT_VIDEO_CONSTRAINTS,
  type LocalParticipantEvents,
  type LocalMediaOptions,
} from './LocalParticipant.js';
export { RemoteParticipant, type RemoteParticipantEvents, type LinkStatus } from './RemoteParticipant.js';
export { PeerLink, type PeerLinkEvents, type PeerLinkOptions, type MediaKind } from './PeerLink.js';
export { SignalingClient, type SignalingEvents, type SignalingState } from './SignalingClient.js';
export { SignalingPreconnect, type PreconnectState } from './SignalingPreconnect.js';
export { warmUpWebRtc } from './warmUpWebRtc.js';
export { firstNegotiation, type NegotiatingPeer } from './firstNegotiation.js';
export { ParleyError, type ParleyErrorCode } from './errors.js';
export { TypedEmitter, type EventMap } from '@parley/protocol';
export type { MediaState, PeerLeftReason, Role, WaiterInfo, KnockOutcome } from '@parley/protocol';
export { FileTransfers, type FileTransfersEvents } from './files/FileTransfers.js';
export { FileTransfer, type TransferState, type FileTransferEvents, type TransferPeer } from './files/FileTransfer.js';
export { OutgoingTransfer } from './files/OutgoingTransfer.js';
export { IncomingTransfer } from './files/IncomingTransfer.js';
export { MeshQuality, type MeshLink, type MeshQualityEvents } from './quality/MeshQuality.js';
export type { LinkQuality, PathKind, QualityLevel } from './quality/measureLink.js';
export { SignalingSession, type SignalingSessionEvents, type SignalingSessionState, type RejoinRequest } from './SignalingSession.js';
export { RefusedSignals, RESEND_FIRST_MS, RESEND_CAP_MS, RESEND_GIVE_UP_MS } from './RefusedSignals.js';
export { SafetyCheck, type SafetyStatus, type SafetyCheckEvents, type SafetyLink } from './safety/SafetyCheck.js';
export { deriveSafetyCode, safetyCommitment, safetyNonce, sdpFingerprints, SAFETY_CODE_VERSION, SAFETY_CODE_WORDS, type SafetyCode, type SafetyNonces } from './safety/SafetyCode.js';
export { SAFETY_WORDS } from './safety/safetyWords.js';
