import * as v from 'valibot';
import { CLIENT_MESSAGE_TYPES, ClientMessageSchema, type ClientMessage } from './client-messages.js';
import type { ErrorCode } from './errors.js';
import { MAX_REQUEST_ID } from './limits.js';
import { ServerMessageSchema, type ServerMessage } from './server-messages.js';
import { fastPingMessage } from './ping-fast-path.js';
import { fastSignalMessage } from './signal-fast-path.js';
import { PROTOCOL_VERSION, protocolMismatchReason } from './version.js';

/** The result of decoding one wire message: the typed message, or why it was refused. */
export type Decoded<T> =
  | { ok: true; message: T }
  | { ok: false; code: ErrorCode; reason: string; id?: number };

/**
 * Decodes one client message. Never throws: every failure comes back with the
 * error code to send and, when the raw message had a usable `id`, that id so the
 * refusal can still be correlated by the sender.
 */
export function decodeClientMessage(text: string): Decoded<ClientMessage> {
  const raw = parseJson(text);
  if (raw === undefined || typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, code: 'bad-message', reason: 'message is not a JSON object' };
  }
  const record = raw as Record<string, unknown>;
  // The relay's and the keepalive's hot paths; whatever a hand check does not accept, the schema judges.
  const fast = record['type'] === 'signal' ? fastSignalMessage(record) : record['type'] === 'ping' ? fastPingMessage(record) : undefined;
  if (fast) return { ok: true, message: fast };
  const id = usableId(record['id']);
  const withId = id === undefined ? {} : { id };
  const type = record['type'];
  if (typeof type !== 'string') {
    return { ok: false, code: 'bad-message', reason: 'message has no string "type"', ...withId };
  }
  if (!(CLIENT_MESSAGE_TYPES as readonly string[]).includes(type)) {
    return { ok: false, code: 'unknown-type', reason: `unknown message type "${type.slice(0, 32)}"`, ...withId };
  }
  const result = v.safeParse(ClientMessageSchema, raw);
  if (!result.success) {
    // A client of another version may shape its messages differently: what it
    // needs to hear is "reload", not which field our schema disliked.
    const version = otherVersion(type, record['protocolVersion']);
    if (version !== undefined) return { ok: false, code: 'unsupported-protocol', reason: protocolMismatchReason(version), ...withId };
    return { ok: false, code: codeFor(type, result.issues), reason: describeIssues(result.issues), ...withId };
  }
  return { ok: true, message: result.output };
}

/** The version a `join` or `resume` names when it is an integer other than ours. */
function otherVersion(type: string, version: unknown): number | undefined {
  if (type !== 'join' && type !== 'resume') return undefined;
  return typeof version === 'number' && Number.isInteger(version) && version !== PROTOCOL_VERSION ? version : undefined;
}

/** A join refused for its room or display name gets a code of its own, so an app can say which. */
function codeFor(type: string, issues: readonly v.BaseIssue<unknown>[]): ErrorCode {
  const first = issues[0];
  if (type !== 'join' || !first) return 'bad-message';
  const path = v.getDotPath(first);
  return path === 'room' ? 'bad-room-name' : path === 'name' ? 'bad-name' : path === 'token' ? 'bad-token' : 'bad-message';
}

/** Decodes one server message (used by the client; a bad one is a server bug, not a user error). */
export function decodeServerMessage(text: string): Decoded<ServerMessage> {
  const raw = parseJson(text);
  const result = v.safeParse(ServerMessageSchema, raw);
  if (!result.success) {
    return { ok: false, code: 'bad-message', reason: describeIssues(result.issues) };
  }
  return { ok: true, message: result.output };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not JSON: the caller reports it as bad-message; the parser's own text adds nothing.
    return undefined;
  }
}

function usableId(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_REQUEST_ID
    ? value
    : undefined;
}

/** One short line naming the first failing field, e.g. `room: room name is empty`. */
function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  const first = issues[0];
  if (!first) return 'message does not match the protocol';
  const path = v.getDotPath(first);
  return path ? `${path}: ${first.message}` : first.message;
}
