import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import * as v from 'valibot';
import { ClientMessageSchema, MAX_REQUEST_ID, decodeClientMessage, fastPingMessage } from '@parley/protocol';

/** Pings as clients send them, and near misses: odd ids, extra keys, another type. */
const candidate = fc.record(
  {
    type: fc.constantFrom('ping', 'ping ', 'Ping', 'signal'),
    id: fc.oneof(fc.nat(MAX_REQUEST_ID), fc.integer(), fc.double(), fc.constant(MAX_REQUEST_ID + 1), fc.string(), fc.constant(null)),
    extra: fc.oneof(fc.string(), fc.integer()),
    __proto__: fc.string(),
  },
  { requiredKeys: ['type'] },
);

describe('ping fast path', () => {
  it('accepts only what the schema accepts, with the same output', () => {
    fc.assert(
      fc.property(candidate, (raw) => {
        const text = JSON.stringify(raw);
        const schema = v.safeParse(ClientMessageSchema, JSON.parse(text));
        const fast = fastPingMessage(JSON.parse(text) as Record<string, unknown>);
        if (fast) assert.ok(schema.success && (assert.deepEqual(fast, schema.output), true));
        const decoded = decodeClientMessage(text);
        assert.equal(decoded.ok, schema.success);
        if (decoded.ok && schema.success) assert.deepEqual(decoded.message, schema.output);
      }),
      { numRuns: 5_000 },
    );
  });

  it('takes the ping the SDK sends, and leaves a ping with a stray key to the schema', () => {
    assert.deepEqual(fastPingMessage({ type: 'ping', id: 12 }), { type: 'ping', id: 12 });
    const stray = { type: 'ping', id: 12, note: 'x' };
    assert.equal(fastPingMessage(stray), undefined);
    const decoded = decodeClientMessage(JSON.stringify(stray));
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.message, { type: 'ping', id: 12 });
  });
});
