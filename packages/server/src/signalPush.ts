import { signalText, type PeerId, type ServerMessage, type SignalMessage } from '@parley/protocol';

/**
 * A relayed signal as its receiver gets it: `{"type":"signal","from":…,"signal":…}`.
 * The `signal` value is the sender's own text when it provably means the
 * value the schema checked (see signalText): an offer's 3 KB of SDP is then
 * not encoded again, and a candidate is cut in a third of the time encoding
 * it takes. Otherwise, the decoded value is encoded. Either way the
 * text is JSON.stringify(message) in meaning, and for what clients send (made
 * by JSON.stringify) byte for byte.
 */
export function signalPush(from: PeerId, received: SignalMessage, text: string): { message: ServerMessage; encoded: string } {
  // `from` is ours to stamp: the decoded message has no such field to trust.
  const message: ServerMessage = { type: 'signal', from, signal: received.signal };
  const verbatim = signalText(text, received);
  const encoded = verbatim === undefined ? JSON.stringify(message) : `{"type":"signal","from":${JSON.stringify(from)},"signal":${verbatim}}`;
  return { message, encoded };
}
