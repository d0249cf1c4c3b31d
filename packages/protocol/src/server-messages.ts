import * as v from 'valibot';
import {
  IceServerSchema,
  MediaStateSchema,
  PeerIdSchema,
  PeerInfoSchema,
  PushSeqSchema,
  RequestIdSchema,
  RoleSchema,
  SignalPayloadSchema,
  WaiterInfoSchema,
} from './common.js';
import { ERROR_CODES } from './errors.js';

/** Messages the server sends to a client: replies (carry the request's id) and pushes. */

/** Reply to `join`: who you are, who is here, and how to reach them. */
export const JoinedMessageSchema = v.object({
  type: v.literal('joined'),
  id: RequestIdSchema,
  selfId: PeerIdSchema,
  room: v.string(),
  /** Our display name as the others see it (from the room token, when there is one). */
  name: v.string(),
  peers: v.array(PeerInfoSchema),
  iceServers: v.array(IceServerSchema),
  /**
   * How long the TURN credentials in `iceServers` stay valid, in ms from now.
   * Ask for fresh ones (`ice-servers`) well before; absent when nothing expires.
   */
  iceServersValidForMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  /**
   * Present `resume` with this after the connection drops. Single use: every
   * `joined` (to a join or a resume) carries a new one.
   */
  resumeToken: v.string(),
  /** How long the server keeps our place after it last heard from us. */
  resumeWindowMs: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /** True when this answers a `resume`. */
  resumed: v.optional(v.boolean()),
  /**
   * The `seq` of the last push this session sent before this reply (0 for a
   * new session). Pushes after it, or replayed after a resume, follow.
   */
  seq: v.optional(PushSeqSchema),
  /** On a resume of the same session: the last `seq` of ours the server handled; resend what came after. */
  receivedSeq: v.optional(PushSeqSchema),
  /** `host`: may turn the lobby on or off, admit, deny and remove. */
  role: RoleSchema,
  /** Whether newcomers wait in the lobby for a host. */
  lobby: v.boolean(),
  /** Whether the room has a password. */
  passwordProtected: v.boolean(),
  /** For hosts: who is waiting in the lobby now (later knocks come as `knock`). */
  waiting: v.optional(v.array(WaiterInfoSchema)),
});

/**
 * An interim answer to `join` (it carries the join's id): the room has a
 * lobby, and the server holds the join until a host admits (then `joined`
 * with the same id) or denies it (`error` `lobby-denied` with the same id).
 */
export const LobbyWaitingMessageSchema = v.object({
  type: v.literal('lobby-waiting'),
  id: RequestIdSchema,
});

/** Reply to `ice-servers`: the same shape as in `joined`, with fresh credentials. */
export const IceServersMessageSchema = v.object({
  type: v.literal('ice-servers'),
  id: RequestIdSchema,
  iceServers: v.array(IceServerSchema),
  iceServersValidForMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
});

/** Reply to any other request that succeeded. */
export const OkMessageSchema = v.object({
  type: v.literal('ok'),
  id: RequestIdSchema,
});

/** A refused message. `id` is present when the refused message carried one. */
export const ErrorMessageSchema = v.object({
  type: v.literal('error'),
  id: v.optional(RequestIdSchema),
  code: v.picklist(ERROR_CODES),
  message: v.string(),
  /**
   * The `seq` of the numbered `signal` this refuses, when it was sent without
   * an `id` and may be sent again (`unavailable`): the sender can tell which.
   */
  refusedSeq: v.optional(PushSeqSchema),
});

export const PeerJoinedMessageSchema = v.object({
  type: v.literal('peer-joined'),
  seq: v.optional(PushSeqSchema),
  peer: PeerInfoSchema,
});

/** `removed`: a host put them out. */
export const PEER_LEFT_REASONS = ['left', 'disconnected', 'removed'] as const;

export const PeerLeftMessageSchema = v.object({
  type: v.literal('peer-left'),
  seq: v.optional(PushSeqSchema),
  peerId: PeerIdSchema,
  reason: v.picklist(PEER_LEFT_REASONS),
});

/** A relayed signal; `from` is stamped by the server, never taken from the sender. */
export const PeerSignalMessageSchema = v.object({
  type: v.literal('signal'),
  seq: v.optional(PushSeqSchema),
  from: PeerIdSchema,
  signal: SignalPayloadSchema,
});

export const PeerMediaMessageSchema = v.object({
  type: v.literal('peer-media'),
  seq: v.optional(PushSeqSchema),
  peerId: PeerIdSchema,
  media: MediaStateSchema,
});

/** To hosts: someone is waiting in the lobby. */
export const KnockMessageSchema = v.object({
  type: v.literal('knock'),
  seq: v.optional(PushSeqSchema),
  peer: WaiterInfoSchema,
});

export const KNOCK_OUTCOMES = ['admitted', 'denied', 'left'] as const;

/** To hosts: someone is no longer waiting (a host answered, or they gave up). */
export const KnockEndedMessageSchema = v.object({
  type: v.literal('knock-ended'),
  seq: v.optional(PushSeqSchema),
  peerId: PeerIdSchema,
  outcome: v.picklist(KNOCK_OUTCOMES),
});

/** To every member: a host turned the lobby on or off. */
export const LobbyChangedMessageSchema = v.object({
  type: v.literal('lobby-changed'),
  seq: v.optional(PushSeqSchema),
  enabled: v.boolean(),
});

/** To the participant a host removed, just before the server closes its socket. */
export const RemovedMessageSchema = v.object({
  type: v.literal('removed'),
  seq: v.optional(PushSeqSchema),
  message: v.string(),
});

export const ServerMessageSchema = v.variant('type', [
  JoinedMessageSchema,
  IceServersMessageSchema,
  OkMessageSchema,
  ErrorMessageSchema,
  PeerJoinedMessageSchema,
  PeerLeftMessageSchema,
  PeerSignalMessageSchema,
  PeerMediaMessageSchema,
  LobbyWaitingMessageSchema,
  KnockMessageSchema,
  KnockEndedMessageSchema,
  LobbyChangedMessageSchema,
  RemovedMessageSchema,
]);

export type JoinedMessage = v.InferOutput<typeof JoinedMessageSchema>;
export type IceServersMessage = v.InferOutput<typeof IceServersMessageSchema>;
export type OkMessage = v.InferOutput<typeof OkMessageSchema>;
export type ErrorMessage = v.InferOutput<typeof ErrorMessageSchema>;
export type PeerJoinedMessage = v.InferOutput<typeof PeerJoinedMessageSchema>;
export type PeerLeftMessage = v.InferOutput<typeof PeerLeftMessageSchema>;
export type PeerLeftReason = PeerLeftMessage['reason'];
export type PeerSignalMessage = v.InferOutput<typeof PeerSignalMessageSchema>;
export type PeerMediaMessage = v.InferOutput<typeof PeerMediaMessageSchema>;
export type LobbyWaitingMessage = v.InferOutput<typeof LobbyWaitingMessageSchema>;
export type KnockMessage = v.InferOutput<typeof KnockMessageSchema>;
export type KnockEndedMessage = v.InferOutput<typeof KnockEndedMessageSchema>;
export type KnockOutcome = KnockEndedMessage['outcome'];
export type LobbyChangedMessage = v.InferOutput<typeof LobbyChangedMessageSchema>;
export type RemovedMessage = v.InferOutput<typeof RemovedMessageSchema>;
export type ServerMessage = v.InferOutput<typeof ServerMessageSchema>;
/** Replies answer a request id; pushes arrive on their own. */
export type ReplyMessage = JoinedMessage | IceServersMessage | OkMessage | ErrorMessage;
/** Messages the server sends on its own; `lobby-waiting` carries the held join's id but is not its answer. */
export type PushMessage = Exclude<ServerMessage, ReplyMessage | LobbyWaitingMessage>;
