/**
 * Stable error codes carried by `error` messages. Clients switch on these;
 * the human-readable `message` beside them may change at any time.
 */
export const ERROR_CODES = [
  /** Not JSON, not an object, binary frame, or a field fails its schema. */
  'bad-message',
  /** A `type` this server does not know. */
  'unknown-type',
  /** The client's protocolVersion is not the server's. */
  'unsupported-protocol',
  /** `join`: the room name breaks the charset or length rule. */
  'bad-room-name',
  /** `join`: the display name is empty, too long, or holds control characters. */
  'bad-name',
  /** The room already holds the maximum number of participants. */
  'room-full',
  /** `join` on a connection that has already joined a room. */
  'already-joined',
  /** `resume` with a token that is forged, expired, already used, or for a room that is now full. */
  'resume-failed',
  /** A message that needs a room before `join`. */
  'not-joined',
  /** `signal.to` is not a member of the sender's room. */
  'not-in-room',
  /** A `signal` addressed to the sender itself. */
  'bad-target',
  /** Too many messages too fast, or too many wrong passwords from this address or for this room; this one was dropped. Slow down. */
  'rate-limited',
  /** This address already holds as many connections as the server allows; the new one is closed. */
  'too-many-connections',
  /** The connection stayed this long without being in a room; it is closed. */
  'join-timeout',
  /** `join`: the room has a password and the join carried none. Ask the person for it. */
  'password-required',
  /** `join`: the password does not match the room's. Counts towards the rate limit. */
  'wrong-password',
  /** `join`: this server admits only holders of a room token (JWT) and the join carried none. */
  'token-required',
  /** `join`: the room token is forged, expired, malformed, or for another room. */
  'bad-token',
  /** `join` with a token of someone a host removed, or `resume` by them: they may not come back. */
  'removed',
  /** `join` waited in the lobby and a host said no (or the call ended). */
  'lobby-denied',
  /** A host-only request (`lobby`, `admit`, `deny`, `remove`) from someone who is not a host. */
  'not-host',
  /** `admit`/`deny` for someone who is not (or no longer) waiting in the lobby. */
  'not-waiting',
  /** The store the server shares rooms through (Redis, with several nodes) cannot be reached now; nothing changed. Try again shortly. */
  'unavailable',
  /** Anything the server did not expect of itself. */
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
