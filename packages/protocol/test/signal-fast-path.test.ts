import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import * as v from 'valibot';
import { ClientMessageSchema, MAX_CANDIDATE_LENGTH, MAX_SDP_LENGTH, decodeClientMessage, fastSignalMessage } from '@parley/protocol';

/** Values at and just past every rule's edge, and of every wrong type. */
const EDGES: unknown[] = [
  null, true, 0, -1, 0.5, 1024, 1025, 2 ** 31 - 1, 2 ** 31, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, '', 'a b', 'offer', 'rollback', 'Offer', 'x'.repeat(32), 'x'.repeat(33),
  'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(256), 'x'.repeat(257), 'x'.repeat(MAX_CANDIDATE_LENGTH), 'x'.repeat(MAX_CANDIDATE_LENGTH + 1),
  'x'.repeat(MAX_SDP_LENGTH), 'x'.repeat(MAX_SDP_LENGTH + 1), [], {}, { candidate: '' }, { type: 'offer', sdp: '' },
];
const PATHS = [
  [], ['type'], ['id'], ['seq'], ['to'], ['signal'], ['signal', 'description'], ['signal', 'description', 'type'], ['signal', 'description', 'sdp'],
  ['signal', 'candidate'], ['signal', 'candidate', 'candidate'], ['signal', 'candidate', 'sdpMid'], ['signal', 'candidate', 'sdpMLineIndex'],
  ['signal', 'candidate', 'usernameFragment'], ['from'],
];

/** A message as a well-behaved client sends it. */
const validMessage = fc.record(
  {
    type: fc.constant('signal'),
    id: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    seq: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constant(Number.MAX_SAFE_INTEGER)),
    to: fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/),
    signal: fc.oneof(
      fc.record({ description: fc.record({ type: fc.constantFrom('offer', 'answer', 'pranswer', 'rollback'), sdp: fc.string({ maxLength: 40 }) }) }),
      fc.record({
        candidate: fc.record(
          {
            candidate: fc.string({ maxLength: 40 }),
            sdpMid: fc.option(fc.string({ maxLength: 3 })),
            sdpMLineIndex: fc.option(fc.integer({ min: 0, max: 1024 })),
            usernameFragment: fc.option(fc.string({ maxLength: 8 })),
          },
          { requiredKeys: ['candidate'] },
        ),
      }),
    ),
  },
  { requiredKeys: ['type', 'to', 'signal'] },
);

/** One change at one place: a value set at or past an edge, a key removed, or a key the schema does not know. */
const mutation = fc.record({
  path: fc.constantFrom(...PATHS),
  action: fc.oneof(fc.constant<'delete'>('delete'), fc.constant<'extra'>('extra'), fc.constantFrom(...EDGES).map((value) => ({ value }))),
});

function mutate(message: Record<string, unknown>, change: { path: string[]; action: 'delete' | 'extra' | { value: unknown } }): void {
  let target: unknown = message;
  const path = [...change.path];
  const last = path.pop();
  for (const key of path) target = typeof target === 'object' && target !== null ? (target as Record<string, unknown>)[key] : undefined;
  if (typeof target !== 'object' || target === null) return;
  const record = target as Record<string, unknown>;
  if (change.action === 'extra') {
    const holder = last === undefined ? record : record[last];
    if (typeof holder === 'object' && holder !== null) (holder as Record<string, unknown>)['extra'] = 1;
  } else if (last === undefined) {
    return;
  } else if (change.action === 'delete') {
    delete record[last];
  } else {
    // A copy: the edge values are shared by every run, and a later change must not write into them (or make them cyclic).
    record[last] = structuredClone(change.action.value);
  }
}

const message = fc.tuple(validMessage, fc.array(mutation, { maxLength: 2 })).map(([valid, changes]) => {
  const raw = JSON.parse(JSON.stringify(valid)) as Record<string, unknown>;
  for (const change of changes) mutate(raw, change);
  return raw;
});

describe('signal fast path', () => {
  it('accepts only what the schema accepts, with the same output', () => {
    fc.assert(
      fc.property(message, (raw) => {
        // Round-trip through JSON: the codec only ever sees parsed text.
        const parsed = JSON.parse(JSON.stringify(raw)) as Record<string, unknown>;
        const schema = v.safeParse(ClientMessageSchema, JSON.parse(JSON.stringify(raw)));
        const fast = fastSignalMessage(parsed);
        if (fast) assert.ok(schema.success && (assert.deepEqual(fast, schema.output), true));
        const decoded = decodeClientMessage(JSON.stringify(raw));
        assert.equal(decoded.ok, schema.success);
        if (decoded.ok && schema.success) assert.deepEqual(decoded.message, schema.output);
      }),
      { numRuns: 20_000 },
    );
  });

  it('takes the messages clients send', () => {
    const offer = { type: 'signal', to: 'p1', signal: { description: { type: 'offer', sdp: 'v=0\r\n' } }, seq: 7 };
    const candidate = { type: 'signal', id: 3, to: 'p1', signal: { candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: null } } };
    const endOfCandidates = { type: 'signal', to: 'p1', signal: { candidate: { candidate: '' } } };
    for (const raw of [offer, candidate, endOfCandidates]) assert.deepEqual(fastSignalMessage(JSON.parse(JSON.stringify(raw)) as Record<string, unknown>), raw);
  });

  it('leaves a message with a key the schema would strip to the schema', () => {
    const raw = { type: 'signal', to: 'p1', signal: { description: { type: 'offer', sdp: 'v=0', note: 'x' } } };
    assert.equal(fastSignalMessage(raw), undefined);
    const decoded = decodeClientMessage(JSON.stringify(raw));
    assert.ok(decoded.ok && decoded.message.type === 'signal');
    assert.deepEqual(decoded.message.signal, { description: { type: 'offer', sdp: 'v=0' } });
  });
});
