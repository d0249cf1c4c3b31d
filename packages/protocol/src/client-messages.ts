import * as v from 'valibot';
import {
  DisplayNameSchema,
  MediaStateSchema,
  PasswordSchema,
  PeerIdSchema,
  PushSeqSchema,
  RequestIdSchema,
  RoomNameSchema,
  RoomTokenSchema,
  SignalPayloadSchema,
} from './common.js';

/**
 * Messages a client sends to the server. Every message may carry an `id`; the
 * server then answers it with a reply carrying the same id (`joined`, `ok` or
 * `error`). Without an id, success is silent and only a failure is reported.
 */

export const JoinMessageSchema = v.object({
  type: v.literal('join'),
  id: RequestIdSchema,
  room: RoomNameSchema,
  /** Required unless a room token names the participant (then this is ignored). */
  name: v.optional(DisplayNameSchema),
  protocolVersion: v.pipe(v.number(), v.integer()),
  media: v.optional(MediaStateSchema, { micMuted: false, cameraOff: false }),
  /** Creates a room with this password, or opens a room that has one. */
  password: v.optional(PasswordSchema),
  /** A room token (JWT); required when the server has a JWT secret. */
  token: v.optional(RoomTokenSchema),
  /** Only when this join creates the room: newcomers wait in the lobby from the start. */
  lobby: v.optional(v.boolean()),
});

export const LeaveMessageSchema = v.object({
  type: v.literal('leave'),
  id: v.optional(RequestIdSchema),
});

export const SignalMessageSchema = v.object({
  type: v.literal('signal'),
  id: v.optional(RequestIdSchema),
  seq: v.optional(PushSeqSchema),
  to: PeerIdSchema,
  signal: SignalPayloadSchema,
});

export const MediaMessageSchema = v.object({
  type: v.literal('media'),
  id: v.optional(RequestIdSchema),
  seq: v.optional(PushSeqSchema),
  media: MediaStateSchema,
});

/**
 * Comes back after the signaling connection dropped: the same participant,
 * in the same room, without the others seeing a leave and a join.
 */
export const ResumeMessageSchema = v.object({
  type: v.literal('resume'),
  id: RequestIdSchema,
  resumeToken: v.pipe(v.string(), v.minLength(16), v.maxLength(1024)),
  protocolVersion: v.pipe(v.number(), v.integer()),
  /** The last push `seq` this client handled: the server replays what came after. */
  lastSeq: v.optional(PushSeqSchema),
});

/** Asks for fresh ICE servers (new TURN credentials) before the old ones expire. */
export const IceServersRequestSchema = v.object({
  type: v.literal('ice-servers'),
  id: RequestIdSchema,
});

/** Host only: turn the lobby on (newcomers wait for a host) or off (everyone waiting is let in). */
export const SetLobbyMessageSchema = v.object({
  type: v.literal('set-lobby'),
  id: v.optional(RequestIdSchema),
  enabled: v.boolean(),
});

/** Host only: let someone waiting in the lobby in. */
export const AdmitMessageSchema = v.object({
  type: v.literal('admit'),
  id: v.optional(RequestIdSchema),
  peerId: PeerIdSchema,
});

/** Host only: turn someone waiting in the lobby away. */
export const DenyMessageSchema = v.object({
  type: v.literal('deny'),
  id: v.optional(RequestIdSchema),
  peerId: PeerIdSchema,
});

/** Host only: put a participant out of the room; their tokens no longer open it. */
export const RemoveMessageSchema = v.object({
  type: v.literal('remove'),
  id: v.optional(RequestIdSchema),
  peerId: PeerIdSchema,
});

/**
 * "Are you there?" The server answers `ok`. Browsers cannot see WebSocket
 * pings, so this is how a client notices a connection that died silently
 * (its network dropped, no TCP close) and reconnects instead of waiting.
 */
export const PingMessageSchema = v.object({
  type: v.literal('ping'),
  id: RequestIdSchema,
});

export const ClientMessageSchema = v.variant('type', [
  JoinMessageSchema,
  ResumeMessageSchema,
  LeaveMessageSchema,
  SignalMessageSchema,
  MediaMessageSchema,
  IceServersRequestSchema,
  SetLobbyMessageSchema,
  AdmitMessageSchema,
  DenyMessageSchema,
  RemoveMessageSchema,
  PingMessageSchema,
]);

export const CLIENT_MESSAGE_TYPES = [
  'join',
  'resume',
  'leave',
  'signal',
  'media',
  'ice-servers',
  'set-lobby',
  'admit',
  'deny',
  'remove',
  'ping',
] as const;

export type JoinMessage = v.InferOutput<typeof JoinMessageSchema>;
export type ResumeMessage = v.InferOutput<typeof ResumeMessageSchema>;
export type LeaveMessage = v.InferOutput<typeof LeaveMessageSchema>;
export type SignalMessage = v.InferOutput<typeof SignalMessageSchema>;
export type MediaMessage = v.InferOutput<typeof MediaMessageSchema>;
export type IceServersRequest = v.InferOutput<typeof IceServersRequestSchema>;
export type SetLobbyMessage = v.InferOutput<typeof SetLobbyMessageSchema>;
export type AdmitMessage = v.InferOutput<typeof AdmitMessageSchema>;
export type DenyMessage = v.InferOutput<typeof DenyMessageSchema>;
export type RemoveMessage = v.InferOutput<typeof RemoveMessageSchema>;
export type PingMessage = v.InferOutput<typeof PingMessageSchema>;
export type ClientMessage = v.InferOutput<typeof ClientMessageSchema>;
/** What a client writes before defaults are applied (e.g. `media` may be left out of `join`). */
export type ClientMessageInput = v.InferInput<typeof ClientMessageSchema>;
export type ClientMessageType = ClientMessage['type'];
