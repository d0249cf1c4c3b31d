import fc from 'fast-check';
import {
  CLIENT_MESSAGE_TYPES,
  MAX_CANDIDATE_LENGTH,
  MAX_DISPLAY_NAME_LENGTH,
  MAX_ROOM_NAME_LENGTH,
  MAX_SDP_LENGTH,
  PROTOCOL_VERSION,
} from '@parley/protocol';

/**
 * Arbitraries for what a hostile client sends, shaped after the protocol's
 * schemas (packages/protocol/src/client-messages.ts): each field is sometimes
 * right, sometimes at its limit, sometimes just past it, sometimes the wrong
 * type; messages come in any order, with prototype-polluting keys, as broken
 * JSON, and now and then larger than the server accepts.
 */

/** Strings a schema would meet in the wild: empty, unicode, control characters, at and past a limit. */
function nasty(maxLength: number): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength: 16 }),
    fc.string({ unit: 'grapheme', maxLength: 24 }),
    fc.constantFrom('', ' ', '\u0000', '\u202e', '__proto__', 'constructor', '<img src=x onerror=alert(1)>', 'javascript:alert(1)'),
    fc.constant('x'.repeat(maxLength)),
    fc.constant('y'.repeat(maxLength + 1)),
  );
}

/** Sometimes a field of the wrong type altogether. */
function orWrong<T>(right: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 4, arbitrary: right }, { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 1 })) });
}

/** Ids below the range the tests keep for their own probes. */
const requestId = fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom(-1, 1.5, 2 ** 31, '7'));
const roomName = fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,10}$/), nasty(MAX_ROOM_NAME_LENGTH));
const displayName = nasty(MAX_DISPLAY_NAME_LENGTH);
const peerId = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{12}$/), nasty(32));
const media = orWrong(fc.record({ micMuted: fc.boolean(), cameraOff: fc.boolean() }));
const signal = orWrong(
  fc.oneof(
    fc.record({ description: fc.record({ type: fc.constantFrom('offer', 'answer', 'rollback', 'bogus'), sdp: fc.oneof(fc.string({ maxLength: 64 }), fc.constant('v=0\r\n'.repeat(MAX_SDP_LENGTH / 5 + 1))) }) }),
    fc.record({ candidate: fc.record({ candidate: nasty(MAX_CANDIDATE_LENGTH), sdpMid: fc.option(fc.string({ maxLength: 4 })), sdpMLineIndex: fc.option(fc.integer({ min: -1, max: 2000 })) }) }),
    fc.record({ description: fc.constant({ type: 'offer', sdp: 'v=0' }), candidate: fc.constant({ candidate: '' }) }),
  ),
);

/** A message whose shape follows one of the client message schemas, fields valid or not. */
const schemaShaped: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ type: fc.constant('join'), id: requestId, room: orWrong(roomName), name: orWrong(displayName), protocolVersion: orWrong(fc.constantFrom(PROTOCOL_VERSION, 0, PROTOCOL_VERSION - 1, PROTOCOL_VERSION + 1, 1.5)), media }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('resume'), id: requestId, resumeToken: orWrong(fc.oneof(fc.string({ minLength: 16, maxLength: 64 }), nasty(1024))), protocolVersion: fc.constant(PROTOCOL_VERSION) }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('leave'), id: requestId }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('signal'), id: requestId, to: orWrong(peerId), signal }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('media'), id: requestId, media }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('ice-servers'), id: requestId }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.oneof(fc.constantFrom(...CLIENT_MESSAGE_TYPES).map((t) => t.toUpperCase()), fc.string({ maxLength: 8 })), id: requestId }, { requiredKeys: ['type'] }),
);

/** Keys that pollute prototypes when code merges untrusted objects carelessly. */
function withPollution(message: Record<string, unknown>): string {
  const text = JSON.stringify(message);
  return `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},${text.slice(1)}`;
}

export interface HostileMessage {
  /** What goes on the wire. */
  text: string;
  /** Larger than the server's maxPayload: the socket is closed with 1009, by design. */
  oversized: boolean;
}

/** The mix: mostly schema-shaped, then polluted, raw JSON of any shape, broken text, and a rare oversized one. */
export function hostileMessages(count: number, seed: number, maxMessageBytes: number): HostileMessage[] {
  const arbitrary: fc.Arbitrary<HostileMessage> = fc.oneof(
    { weight: 12, arbitrary: schemaShaped.map((m) => ({ text: JSON.stringify(m), oversized: false })) },
    { weight: 3, arbitrary: schemaShaped.map((m) => ({ text: withPollution(m), oversized: false })) },
    { weight: 3, arbitrary: fc.json({ maxDepth: 3 }).map((text) => ({ text, oversized: false })) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }).filter((t) => t.length > 0).map((text) => ({ text, oversized: false })) },
    { weight: 1, arbitrary: fc.constantFrom('{', '{"type":', '[]', 'null', '"join"', '{"type":"join","id":1,"room":"a","name":"b","protocolVersion":1,"media":{"micMuted":"yes"}}').map((text) => ({ text, oversized: false })) },
  );
  const messages = fc.sample(arbitrary, { numRuns: count, seed });
  // A few past the size limit, spread through the run.
  for (let i = 1; i <= 3; i++) {
    messages.splice(Math.floor((messages.length * i) / 4), 0, { text: JSON.stringify({ type: 'signal', to: 'x', pad: 'z'.repeat(maxMessageBytes) }), oversized: true });
  }
  return messages;
}
