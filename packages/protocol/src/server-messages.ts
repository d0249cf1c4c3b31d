import * as v from 'valibot';
import {
  IceServerSchema,
  MediaStateSchema,
  PeerIdSchema,
  PeerInfoSchema,
  PushSeqSchema,
  RequestIdSchema,
  SignalPayloadSchema,
} from './common.js';
import { ERROR_CODES } from './errors.js';

/** Messages the server sends to a client: replies (carry the request's id) and pushes. */

/** Reply to `join`: who you are, who is here, and how to reach them. */
export const JoinedMessageSchema = v.object({
  type: v.literal('joined'),
  id: RequestIdSchema,
  selfId: PeerIdSchema,
  room: v.string(),
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
});

export const PeerJoinedMessageSchema = v.object({
  type: v.literal('peer-joined'),
  seq: v.optional(PushSeqSchema),
  peer: PeerInfoSchema,
});

export const PEER_LEFT_REASONS = ['left', 'disconnected'] as const;

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

export const ServerMessageSchema = v.variant('type', [
  JoinedMessageSchema,
  IceServersMessageSchema,
  OkMessageSchema,
  ErrorMessageSchema,
  PeerJoinedMessageSchema,
  PeerLeftMessageSchema,
  PeerSignalMessageSchema,
  PeerMediaMessageSchema,
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
export type ServerMessage = v.InferOutput<typeof ServerMessageSchema>;
/** Replies answer a request id; pushes arrive on their own. */
export type ReplyMessage = JoinedMessage | IceServersMessage | OkMessage | ErrorMessage;
export type PushMessage = Exclude<ServerMessage, ReplyMessage>;
