import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeClientMessage, signalText, type SignalMessage } from '@parley/protocol';

/** A signal as a client sends it (JSON.stringify of this is the wire text). */
const validMessage = fc.record(
  {
    type: fc.constant('signal'),
    id: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    seq: fc.integer({ min: 0, max: 1000 }),
    to: fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/),
    signal: fc.oneof(
      // Quotes, backslashes, control characters and non-ASCII in the SDP: every escape JSON.stringify writes.
      fc.record({ description: fc.record({ type: fc.constantFrom('offer', 'answer', 'pranswer', 'rollback'), sdp: fc.string({ maxLength: 60, unit: 'binary' }) }) }),
      fc.record({
        candidate: fc.record(
          {
            candidate: fc.string({ maxLength: 40, unit: 'binary' }),
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

/**
 * Text changes that keep the message valid JSON, each at one place: a space
 * between tokens, a key written twice (first with another value), a key the
 * schema strips, a key or a character spelt as an escape, an integer spelt
 * another way.
 */
type Edit = (text: string, at: number) => string | undefined;
const EDITS: Record<string, Edit> = {
  space: (text, at) => {
    const i = nthOf(text, /[,:{]/g, at);
    return i < 0 ? undefined : `${text.slice(0, i + 1)} ${text.slice(i + 1)}`;
  },
  repeatedInnerKey: (text) => text.replace(/("(?:description|candidate)":\{)"(\w+)":/, '$1"$2":"other","$2":'),
  repeatedSignal: (text) => text.replace('"signal":', '"signal":{"candidate":{"candidate":"other"}},"signal":'),
  repeatedTopKey: (text) => text.replace('"to":', '"to":"other","to":'),
  strippedInnerKey: (text) => text.replace(/("(?:description|candidate)":\{)/, '$1"extra":1,'),
  escapedKey: (text) => text.replace('"sdp":', '"\\u0073dp":').replace('"candidate":"', '"\\u0063andidate":"'),
  escapedSignalKey: (text) => text.replace('"signal":', '"\\u0073ignal":'),
  escapedChar: (text) => text.replace(/"(offer|answer|pranswer|rollback)"/, (_, type: string) => `"\\u00${type.charCodeAt(0).toString(16)}${type.slice(1)}"`),
  integerAsFloat: (text) => text.replace(/"sdpMLineIndex":(\d+)/, '"sdpMLineIndex":$1.0'),
  integerWithExponent: (text) => text.replace(/"sdpMLineIndex":(\d+)/, '"sdpMLineIndex":$1e0'),
};

function nthOf(text: string, pattern: RegExp, n: number): number {
  const found = [...text.matchAll(pattern)];
  return found.length === 0 ? -1 : (found[n % found.length]?.index ?? -1);
}

/** The edits after which a parser that keeps the first of a repeated key reads another value than JSON.parse. */
const REPEATS = new Set(['repeatedInnerKey', 'repeatedSignal']);

function decodedSignal(text: string): SignalMessage | undefined {
  const decoded = decodeClientMessage(text);
  return decoded.ok && decoded.message.type === 'signal' ? decoded.message : undefined;
}

describe('signalText', () => {
  it('is exactly JSON.stringify(signal) for what clients send', () => {
    fc.assert(
      fc.property(validMessage, (valid) => {
        const text = JSON.stringify(valid);
        const message = decodedSignal(text);
        assert.ok(message);
        assert.equal(signalText(text, message), JSON.stringify(message.signal));
      }),
      { numRuns: 5_000 },
    );
  });

  it('gives text only when it means the decoded value, and nothing where a key is repeated or stripped', () => {
    fc.assert(
      fc.property(validMessage, fc.constantFrom(...Object.keys(EDITS)), fc.nat(50), (valid, edit, at) => {
        const original = JSON.stringify(valid);
        const text = (EDITS[edit] as Edit)(original, at);
        if (text === undefined || text === original) return;
        const message = decodedSignal(text);
        if (!message) return;
        const cut = signalText(text, message);
        if (REPEATS.has(edit) || edit === 'strippedInnerKey' || edit === 'repeatedTopKey') assert.equal(cut, undefined, `${edit}: ${text}`);
        if (cut === undefined) return;
        // Means the same to JSON.parse, and (no key repeated) to any parser.
        assert.deepEqual(JSON.parse(cut), message.signal);
        if (edit !== 'escapedChar') assert.equal(cut, JSON.stringify(message.signal), `${edit}: ${text}`);
      }),
      { numRuns: 20_000 },
    );
  });

  it('leaves whitespace, escaped keys and spelt-out integers to the encoder', () => {
    const candidate = '{"type":"signal","to":"p1","signal":{"candidate":{"candidate":"c","sdpMLineIndex":1}}}';
    const cases = [
      candidate.replace('"signal":', '"signal": '),
      candidate.replace('"candidate":"c"', '"\\u0063andidate":"c"'),
      candidate.replace('"sdpMLineIndex":1', '"sdpMLineIndex":1.0'),
      candidate.replace('"sdpMLineIndex":1', '"sdpMLineIndex":1e0'),
      candidate.replace('"signal":', '"\\u0073ignal":'),
    ];
    for (const text of cases) {
      const message = decodedSignal(text);
      assert.ok(message, text);
      assert.equal(signalText(text, message), undefined, text);
    }
    // Top-level keys are not relayed: a repeated `to` does not matter, as long as every key is counted.
    const repeatedTo = candidate.replace('"to":"p1"', '"to":"p0","to":"p1"');
    assert.equal(signalText(repeatedTo, decodedSignal(repeatedTo) as SignalMessage), undefined);
  });
});
