import type { SignalMessage } from './client-messages.js';
import { MAX_CANDIDATE_LENGTH, MAX_REQUEST_ID, MAX_SDP_LENGTH } from './limits.js';

/**
 * `signal` is nearly every message a server relays (an offer, an answer and a
 * dozen candidates per call setup), and the generic schema walk costs more
 * than parsing it. This checks, by hand, the exact rules of SignalMessageSchema
 * for messages in the shape clients send: every field the schema knows and no
 * other, at any depth. Such a message is its own schema output, so it is
 * returned as is. Anything else — a broken rule, an extra key the schema would
 * strip, an odd shape — gets `undefined` and goes through the schema, which
 * decides and explains. So this only ever accepts what the schema accepts,
 * with the same output (the codec tests hold it to that).
 */
export function fastSignalMessage(raw: Record<string, unknown>): SignalMessage | undefined {
  let keys = 0;
  for (const key in raw) {
    if (key !== 'type' && key !== 'to' && key !== 'signal' && key !== 'id' && key !== 'seq') return undefined;
    keys++;
  }
  const id = raw['id'];
  const seq = raw['seq'];
  if (keys !== 3 + (id === undefined ? 0 : 1) + (seq === undefined ? 0 : 1) || raw['type'] !== 'signal') return undefined;
  if (id !== undefined && !(typeof id === 'number' && Number.isInteger(id) && id >= 0 && id <= MAX_REQUEST_ID)) return undefined;
  // PushSeqSchema.
  if (seq !== undefined && !(typeof seq === 'number' && Number.isInteger(seq) && seq >= 0 && seq <= Number.MAX_SAFE_INTEGER)) return undefined;
  const to = raw['to'];
  if (typeof to !== 'string' || !PEER_ID.test(to)) return undefined;
  const signal = raw['signal'];
  if (!isRecord(signal)) return undefined;
  let only: string | undefined;
  for (const key in signal) {
    if (only !== undefined) return undefined;
    only = key;
  }
  if (only === 'description' ? !isDescription(signal['description']) : only === 'candidate' ? !isCandidate(signal['candidate']) : true) return undefined;
  return raw as SignalMessage;
}

/** PeerIdSchema's pattern. */
const PEER_ID = /^[A-Za-z0-9_-]{1,32}$/;
const DESCRIPTION_TYPES: readonly unknown[] = ['offer', 'answer', 'pranswer', 'rollback'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** SessionDescriptionSchema: exactly `type` and `sdp`. */
function isDescription(value: unknown): boolean {
  if (!isRecord(value)) return false;
  let keys = 0;
  for (const key in value) {
    if (key !== 'type' && key !== 'sdp') return false;
    keys++;
  }
  const sdp = value['sdp'];
  return keys === 2 && DESCRIPTION_TYPES.includes(value['type']) && typeof sdp === 'string' && sdp.length <= MAX_SDP_LENGTH;
}

/** IceCandidateSchema: `candidate`, and the optional fields only when present. */
function isCandidate(value: unknown): boolean {
  if (!isRecord(value)) return false;
  for (const key in value) {
    const field = value[key];
    switch (key) {
      case 'candidate':
        if (typeof field !== 'string' || field.length > MAX_CANDIDATE_LENGTH) return false;
        break;
      case 'sdpMid':
        if (field !== null && (typeof field !== 'string' || field.length > 64)) return false;
        break;
      case 'sdpMLineIndex':
        if (field !== null && !(typeof field === 'number' && Number.isInteger(field) && field >= 0 && field <= 1024)) return false;
        break;
      case 'usernameFragment':
        if (field !== null && (typeof field !== 'string' || field.length > 256)) return false;
        break;
      default:
        return false;
    }
  }
  return typeof value['candidate'] === 'string';
}
