import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeClientMessage, type SignalMessage } from '@parley/protocol';
import { signalPush } from '@parley/server';

function decoded(text: string): SignalMessage {
  const result = decodeClientMessage(text);
  assert.ok(result.ok && result.message.type === 'signal', text);
  return result.message;
}

describe('signal push', () => {
  const offer = { type: 'signal', to: 'p2', seq: 4, signal: { description: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"quoted"\\' } } };

  it('relays the sender’s text of the signal, stamped with the sender, as JSON.stringify would write it', () => {
    const text = JSON.stringify(offer);
    const push = signalPush('p1', decoded(text), text);
    assert.deepEqual(push.message, { type: 'signal', from: 'p1', signal: offer.signal });
    assert.equal(push.encoded, JSON.stringify(push.message));
    console.log(`relayed as: ${push.encoded.slice(0, 60)}…`);
  });

  it('encodes the decoded value when the text could be read two ways (a repeated key) or carries what the schema stripped', () => {
    const repeated = JSON.stringify(offer).replace('"description":{', '"description":{"sdp":"v=1",');
    const stripped = JSON.stringify(offer).replace('"description":{', '"description":{"note":"x",');
    for (const text of [repeated, stripped]) {
      const push = signalPush('p1', decoded(text), text);
      assert.equal(push.encoded, JSON.stringify(push.message), text);
      assert.doesNotMatch(push.encoded, /v=1|note/);
    }
  });
});
