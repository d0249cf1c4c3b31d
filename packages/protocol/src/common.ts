import * as v from 'valibot';
import {
  BIDI_CONTROLS,
  MAX_CANDIDATE_LENGTH,
  MAX_DISPLAY_NAME_LENGTH,
  MAX_PASSWORD_LENGTH,
  MAX_REQUEST_ID,
  MAX_ROOM_NAME_LENGTH,
  MAX_ROOM_TOKEN_LENGTH,
  MAX_SDP_LENGTH,
  ROOM_NAME_PATTERN,
} from './limits.js';

/** Correlates a request with its reply (`ok`, `joined` or `error` with the same id). */
export const RequestIdSchema = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_REQUEST_ID));

export const RoomNameSchema = v.pipe(
  v.string('room must be a string'),
  v.minLength(1, 'room name is empty'),
  v.maxLength(MAX_ROOM_NAME_LENGTH, `room name is longer than ${MAX_ROOM_NAME_LENGTH} characters`),
  v.regex(ROOM_NAME_PATTERN, 'room name may hold only letters, digits, "-" and "_", and starts with a letter or digit'),
);

/** Display names are trimmed; control characters would break every UI that shows them. */
export const DisplayNameSchema = v.pipe(
  v.string('name must be a string'),
  v.trim(),
  v.minLength(1, 'name is empty'),
  v.maxLength(MAX_DISPLAY_NAME_LENGTH, `name is longer than ${MAX_DISPLAY_NAME_LENGTH} characters`),
  // eslint-disable-next-line no-control-regex
  v.regex(/^[^\u0000-\u001f\u007f]*$/, 'name holds control characters'),
  v.check((name) => !new RegExp(BIDI_CONTROLS.source).test(name), 'name holds characters that reorder text (bidi controls)'),
);

/**
 * Numbers the messages of one direction of one session (pushes from the
 * server; signals and media state from the client) so that after a dropped
 * connection each side resends exactly what the other missed, and drops repeats.
 */
export const PushSeqSchema = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));

/** Compared byte for byte: not trimmed, any characters. */
export const PasswordSchema = v.pipe(
  v.string('password must be a string'),
  v.minLength(1, 'password is empty'),
  v.maxLength(MAX_PASSWORD_LENGTH, `password is longer than ${MAX_PASSWORD_LENGTH} characters`),
);

/** A JWT in compact form; its signature and claims are checked by the server, not here. */
export const RoomTokenSchema = v.pipe(
  v.string('token must be a string'),
  v.maxLength(MAX_ROOM_TOKEN_LENGTH, `token is longer than ${MAX_ROOM_TOKEN_LENGTH} characters`),
  v.regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'token is not a JWT (header.payload.signature)'),
);

/** Who may run a room: hosts admit, deny and remove; guests take part. */
export const ROLES = ['host', 'guest'] as const;
export const RoleSchema = v.picklist(ROLES);

/** Participant ids are minted by the server; clients only echo them back. */
export const PeerIdSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,32}$/, 'not a participant id'));

/** What others show about a participant's media: a muted mic, a camera that is off. */
export const MediaStateSchema = v.object({
  micMuted: v.boolean(),
  cameraOff: v.boolean(),
});

/** RTCSessionDescriptionInit as it crosses the wire. */
export const SessionDescriptionSchema = v.object({
  type: v.picklist(['offer', 'answer', 'pranswer', 'rollback']),
  sdp: v.pipe(v.string(), v.maxLength(MAX_SDP_LENGTH)),
});

/** RTCIceCandidateInit as it crosses the wire; an empty `candidate` is end-of-candidates. */
export const IceCandidateSchema = v.object({
  candidate: v.pipe(v.string(), v.maxLength(MAX_CANDIDATE_LENGTH)),
  sdpMid: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(64)))),
  sdpMLineIndex: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1024)))),
  usernameFragment: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(256)))),
});

/** One negotiation step between two peers: exactly a description or a candidate. */
export const SignalPayloadSchema = v.union([
  v.strictObject({ description: SessionDescriptionSchema }),
  v.strictObject({ candidate: IceCandidateSchema }),
]);

export const IceServerSchema = v.object({
  urls: v.union([v.string(), v.array(v.string())]),
  username: v.optional(v.string()),
  credential: v.optional(v.string()),
});

export const PeerInfoSchema = v.object({
  id: PeerIdSchema,
  name: v.string(),
  media: MediaStateSchema,
});

export type RequestId = v.InferOutput<typeof RequestIdSchema>;
export type PeerId = v.InferOutput<typeof PeerIdSchema>;
export type MediaState = v.InferOutput<typeof MediaStateSchema>;
export type SessionDescription = v.InferOutput<typeof SessionDescriptionSchema>;
export type IceCandidate = v.InferOutput<typeof IceCandidateSchema>;
export type SignalPayload = v.InferOutput<typeof SignalPayloadSchema>;
export type IceServer = v.InferOutput<typeof IceServerSchema>;
export type PeerInfo = v.InferOutput<typeof PeerInfoSchema>;
export type Role = v.InferOutput<typeof RoleSchema>;

/** Someone knocking in a room's lobby, as hosts see them. */
export const WaiterInfoSchema = v.object({
  id: PeerIdSchema,
  name: v.string(),
});
export type WaiterInfo = v.InferOutput<typeof WaiterInfoSchema>;
