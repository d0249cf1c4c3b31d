import type { SignalMessage } from './client-messages.js';
import type { IceCandidate, SignalPayload } from './common.js';

/**
 * The `signal` value of a decoded signal message, as the text the client sent
 * it, so a server can relay that text instead of encoding the parsed value
 * again (for an offer, re-encoding 3 KB of SDP cost more than every other
 * step of the relay but the parse).
 *
 * Only when the cut text provably means exactly the value the schema checked,
 * to any JSON parser: the one thing JSON leaves to the parser is a repeated
 * key (RFC 8259 §4: JSON.parse keeps the last, others the first or refuse),
 * so the text is walked and, at every object on the way to and inside the
 * `signal` value, the members written must be as many as the decoded object's
 * keys — a repeated key, or one the schema stripped, makes them more. Numbers
 * inside the value must be plain integers as JSON.stringify writes them.
 * Anything else (whitespace between tokens, an escaped key, an odd shape)
 * gives `undefined`, and the caller encodes the value itself. For a message a
 * client made with JSON.stringify the cut is exactly JSON.stringify(signal).
 *
 * `text` must be the text `message` was decoded from.
 */
export function signalText(text: string, message: SignalMessage): string | undefined {
  if (text.charCodeAt(0) !== OPEN) return undefined;
  let at = 1;
  let members = 0;
  let start = -1;
  let end = -1;
  for (;;) {
    if (text.charCodeAt(at) !== QUOTE) return undefined;
    const keyEnd = stringEnd(text, at);
    if (keyEnd < 0 || text.charCodeAt(keyEnd) !== COLON) return undefined;
    const isSignal = keyEnd - at === SIGNAL_KEY.length && text.startsWith(SIGNAL_KEY, at);
    const valueAt = keyEnd + 1;
    const valueEnd = isSignal ? payloadEnd(text, valueAt, message.signal) : scalarEnd(text, valueAt);
    if (valueEnd < 0) return undefined;
    if (isSignal) {
      if (start >= 0) return undefined;
      start = valueAt;
      end = valueEnd;
    }
    members++;
    const next = text.charCodeAt(valueEnd);
    if (next === CLOSE) {
      if (valueEnd + 1 !== text.length) return undefined;
      break;
    }
    if (next !== COMMA) return undefined;
    at = valueEnd + 1;
  }
  return start >= 0 && members === 3 + (message.id === undefined ? 0 : 1) + (message.seq === undefined ? 0 : 1) ? text.slice(start, end) : undefined;
}

const OPEN = 0x7b;
const CLOSE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const SIGNAL_KEY = '"signal"';
const DESCRIPTION_KEY = '"description"';
const CANDIDATE_KEY = '"candidate"';

// The decoded message has the schema's keys only (the fast path takes no other; the schema strips them), so
// its keys are counted by name: a `for…in` over objects of a dozen shapes was most of this walk's cost.

/** Keys of a decoded candidate: `candidate`, and the optional ones present. */
function candidateKeys(candidate: IceCandidate): number {
  return 1 + (candidate.sdpMid === undefined ? 0 : 1) + (candidate.sdpMLineIndex === undefined ? 0 : 1) + (candidate.usernameFragment === undefined ? 0 : 1);
}

/** Just past the string whose opening quote is at `at`; -1 if it does not end. */
function stringEnd(text: string, at: number): number {
  let from = at + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return -1;
    // Escaped when an odd number of backslashes stands before it.
    let slashes = 0;
    while (text.charCodeAt(quote - 1 - slashes) === BACKSLASH) slashes++;
    if ((slashes & 1) === 0) return quote + 1;
    from = quote + 1;
  }
}

/** A key as JSON.stringify writes it: quoted, nothing escaped. */
function plainKeyEnd(text: string, at: number): number {
  if (text.charCodeAt(at) !== QUOTE) return -1;
  const end = stringEnd(text, at);
  if (end < 0) return -1;
  for (let i = at + 1; i < end - 1; i++) if (text.charCodeAt(i) === BACKSLASH) return -1;
  return text.charCodeAt(end) === COLON ? end : -1;
}

/** Just past a top-level value other than `signal` (a string, a number, a literal); -1 for anything else. */
function scalarEnd(text: string, at: number): number {
  const first = text.charCodeAt(at);
  if (first === QUOTE) return stringEnd(text, at);
  let end = at;
  for (;;) {
    const c = text.charCodeAt(end);
    // Digits, sign, point, exponent, and the letters of true, false and null: the caller's parse already vouched for the grammar.
    if ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || (c >= 0x61 && c <= 0x7a) || c === 0x45) end++;
    else break;
  }
  return end > at ? end : -1;
}

/** Just past the `signal` object at `at`: its one member, `description` or `candidate` as decoded, an object of plain values (see fieldsEnd). */
function payloadEnd(text: string, at: number, payload: SignalPayload): number {
  if (text.charCodeAt(at) !== OPEN) return -1;
  const keyEnd = plainKeyEnd(text, at + 1);
  if (keyEnd < 0) return -1;
  const description = 'description' in payload;
  const key = description ? DESCRIPTION_KEY : CANDIDATE_KEY;
  if (keyEnd - (at + 1) !== key.length || !text.startsWith(key, at + 1)) return -1;
  const innerEnd = fieldsEnd(text, keyEnd + 1, description ? 2 : candidateKeys(payload.candidate));
  return innerEnd >= 0 && text.charCodeAt(innerEnd) === CLOSE ? innerEnd + 1 : -1;
}

/** Just past the object at `at`, whose members are plain keys with strings, null or plain integers, `keys` of them. */
function fieldsEnd(text: string, at: number, keys: number): number {
  if (text.charCodeAt(at) !== OPEN) return -1;
  let members = 0;
  let next = at + 1;
  if (text.charCodeAt(next) === CLOSE) return keys === 0 ? next + 1 : -1;
  for (;;) {
    const keyEnd = plainKeyEnd(text, next);
    if (keyEnd < 0) return -1;
    const valueEnd = plainValueEnd(text, keyEnd + 1);
    if (valueEnd < 0) return -1;
    members++;
    const c = text.charCodeAt(valueEnd);
    if (c === CLOSE) return members === keys ? valueEnd + 1 : -1;
    if (c !== COMMA) return -1;
    next = valueEnd + 1;
  }
}

/** A string, `null`, or an integer with no sign, point, exponent or leading zero. */
function plainValueEnd(text: string, at: number): number {
  const first = text.charCodeAt(at);
  if (first === QUOTE) return stringEnd(text, at);
  if (text.startsWith('null', at)) return at + 4;
  if (first === 0x30) return at + 1;
  let end = at;
  while (text.charCodeAt(end) >= 0x30 && text.charCodeAt(end) <= 0x39) end++;
  return end > at ? end : -1;
}
