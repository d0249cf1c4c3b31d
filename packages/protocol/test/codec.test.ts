import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  MAX_DISPLAY_NAME_LENGTH,
  MAX_PASSWORD_LENGTH,
  MAX_ROOM_TOKEN_LENGTH,
  MAX_ROOM_NAME_LENGTH,
  PROTOCOL_VERSION,
  decodeClientMessage,
  decodePeerMessage,
  decodeRoomTokenClaims,
  decodeServerMessage,
  type ClientMessage,
} from '@parley/protocol';

const join = { type: 'join', id: 1, room: 'team-sync', name: 'Ada', protocolVersion: PROTOCOL_VERSION };

function decodeOk(value: unknown): ClientMessage {
  const decoded = decodeClientMessage(JSON.stringify(value));
  assert.ok(decoded.ok, `expected ${JSON.stringify(value)} to decode: ${decoded.ok ? '' : decoded.reason}`);
  return decoded.message;
}

function decodeFails(text: string) {
  const decoded = decodeClientMessage(text);
  assert.equal(decoded.ok, false, `expected ${text.slice(0, 80)} to be refused`);
  if (decoded.ok) throw new Error('unreachable');
  return decoded;
}

describe('decodeClientMessage', () => {
  it('accepts a join and fills the default media state', () => {
    assert.deepEqual(decodeOk(join), { ...join, media: { micMuted: false, cameraOff: false } });
  });

  it('trims display names', () => {
    const message = decodeOk({ ...join, name: '  Grace  ' });
    assert.equal(message.type === 'join' && message.name, 'Grace');
  });

  it('refuses what is not a JSON object', () => {
    for (const text of ['', 'nope', '42', 'null', '[]', '"join"']) {
      assert.equal(decodeFails(text).code, 'bad-message');
    }
  });

  it('tells a join or resume of another version to reload, even when its other fields do not fit this version', () => {
    for (const message of [
      { ...join, protocolVersion: PROTOCOL_VERSION - 1, media: 'on' },
      { ...join, protocolVersion: PROTOCOL_VERSION + 1, room: { name: 'team-sync' } },
      { type: 'resume', id: 3, resumeToken: 'x', protocolVersion: PROTOCOL_VERSION - 1 },
    ]) {
      const refused = decodeFails(JSON.stringify(message));
      assert.equal(refused.code, 'unsupported-protocol', JSON.stringify(message));
      assert.match(refused.reason, /reload the page$/);
      assert.equal(refused.id, message.id);
    }
    // Our own version with a bad field is that field's fault.
    assert.equal(decodeFails(JSON.stringify({ ...join, media: 'on' })).code, 'bad-message');
  });

  it('names an unknown type and keeps the id for the reply', () => {
    const refused = decodeFails(JSON.stringify({ type: 'shutdown', id: 7 }));
    assert.equal(refused.code, 'unknown-type');
    assert.equal(refused.id, 7);
  });

  it('refuses room names outside the charset or too long, saying which field', () => {
    const bad = ['', 'has space', '../etc', '-leading', 'a/b', 'é', 'x'.repeat(MAX_ROOM_NAME_LENGTH + 1)];
    for (const room of bad) {
      const refused = decodeFails(JSON.stringify({ ...join, room }));
      assert.equal(refused.code, 'bad-room-name');
      assert.match(refused.reason, /^room: /);
      assert.equal(refused.id, 1);
    }
    decodeOk({ ...join, room: 'x'.repeat(MAX_ROOM_NAME_LENGTH) });
  });

  it('refuses empty, blank, over-long and control-character names', () => {
    for (const name of ['', '   ', 'x'.repeat(MAX_DISPLAY_NAME_LENGTH + 1), 'a\u0000b', 'line\nbreak', 42, 'Eve\u202Eevil', 'a\u2066b']) {
      const refused = decodeFails(JSON.stringify({ ...join, name }));
      assert.equal(refused.code, 'bad-name');
      assert.match(refused.reason, /^name: /);
    }
  });

  it('accepts a signal carrying a description or a candidate, not both or neither', () => {
    decodeOk({ type: 'signal', to: 'abc', signal: { description: { type: 'offer', sdp: 'v=0' } } });
    decodeOk({ type: 'signal', to: 'abc', signal: { candidate: { candidate: '', sdpMid: '0', sdpMLineIndex: 0 } } });
    decodeFails(JSON.stringify({ type: 'signal', to: 'abc', signal: {} }));
    decodeFails(
      JSON.stringify({
        type: 'signal',
        to: 'abc',
        signal: { description: { type: 'offer', sdp: '' }, candidate: { candidate: '' } },
      }),
    );
  });

  it('strips fields the protocol does not define, so a client cannot smuggle a "from"', () => {
    const message = decodeOk({
      type: 'signal',
      to: 'abc',
      from: 'someone-else',
      signal: { candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' } },
    });
    assert.equal('from' in message, false);
  });

  it('refuses a description type that does not exist and an sdp over the limit', () => {
    decodeFails(JSON.stringify({ type: 'signal', to: 'abc', signal: { description: { type: 'x', sdp: '' } } }));
    const huge = 'a'.repeat(DEFAULT_MAX_MESSAGE_BYTES);
    decodeFails(JSON.stringify({ type: 'signal', to: 'abc', signal: { description: { type: 'offer', sdp: huge } } }));
  });

  it('does not echo an id that is not a request id', () => {
    for (const id of [-1, 1.5, 'seven', 2 ** 40]) {
      assert.equal(decodeFails(JSON.stringify({ type: 'nope', id })).id, undefined);
    }
  });
});

describe('access fields and host messages', () => {
  it('accepts a join with a password, a token and the lobby flag, and a token join without a name', () => {
    const token = 'eyJhbGciOiJIUzI1NiJ9.eyJyb29tIjoiYSJ9.c2ln';
    const decoded = decodeOk({ ...join, password: ' spaces kept ', token, lobby: true });
    assert.equal(decoded.type === 'join' && decoded.password, ' spaces kept ');
    const { name: _name, ...nameless } = join;
    assert.equal(decodeOk({ ...nameless, token }).type, 'join');
  });

  it('refuses an empty or over-long password as bad-message, and a malformed token as bad-token', () => {
    assert.equal(decodeFails(JSON.stringify({ ...join, password: '' })).code, 'bad-message');
    assert.equal(decodeFails(JSON.stringify({ ...join, password: 'x'.repeat(MAX_PASSWORD_LENGTH + 1) })).code, 'bad-message');
    assert.equal(decodeFails(JSON.stringify({ ...join, token: 'not.a-jwt' })).code, 'bad-token');
    assert.equal(decodeFails(JSON.stringify({ ...join, token: `a.b.${'c'.repeat(MAX_ROOM_TOKEN_LENGTH)}` })).code, 'bad-token');
    assert.equal(decodeFails(JSON.stringify({ ...join, lobby: 'yes' })).code, 'bad-message');
  });

  it('accepts the host messages with a participant id, and nothing else in its place', () => {
    for (const type of ['admit', 'deny', 'remove']) {
      assert.equal(decodeOk({ type, id: 2, peerId: 'Zt5q0bW2kLmN' }).type, type);
      assert.equal(decodeFails(JSON.stringify({ type, id: 2, peerId: '../x' })).code, 'bad-message');
      assert.equal(decodeFails(JSON.stringify({ type, id: 2 })).code, 'bad-message');
    }
    assert.deepEqual(decodeOk({ type: 'set-lobby', enabled: false }), { type: 'set-lobby', enabled: false });
    assert.equal(decodeFails(JSON.stringify({ type: 'set-lobby', enabled: 1 })).code, 'bad-message');
  });

  it('reads room token claims: room, name and exp required, role host or guest', () => {
    assert.deepEqual(decodeRoomTokenClaims({ room: 'r', name: ' Ada ', exp: 1, role: 'host', extra: 1 }), {
      ok: true,
      claims: { room: 'r', name: 'Ada', exp: 1, role: 'host' },
    });
    for (const bad of [{ name: 'A', exp: 1 }, { room: 'r', exp: 1 }, { room: 'r', name: 'A' }, { room: 'r', name: 'A', exp: 1, role: 'owner' }, null]) {
      assert.equal(decodeRoomTokenClaims(bad).ok, false, JSON.stringify(bad));
    }
  });
});

describe('decodeServerMessage', () => {
  it('decodes a relayed signal and refuses one without a sender', () => {
    const signal = { type: 'signal', from: 'p1', signal: { candidate: { candidate: '' } } };
    assert.ok(decodeServerMessage(JSON.stringify(signal)).ok);
    const { from: _from, ...withoutFrom } = signal;
    assert.equal(decodeServerMessage(JSON.stringify(withoutFrom)).ok, false);
  });
});

describe('decodePeerMessage', () => {
  it('takes the bidi controls, control characters and slashes out of an offered file name', () => {
    const offer = (name: string) => decodePeerMessage(JSON.stringify({ type: 'file-offer', transferId: 'abcdefgh12', name, size: 1, mime: '' }));
    assert.deepEqual(offer('invoice\u202Efdp.exe'), { type: 'file-offer', transferId: 'abcdefgh12', name: 'invoicefdp.exe', size: 1, mime: '' });
    assert.equal((offer('../../etc/passwd') as { name: string }).name, '.._.._etc_passwd');
    assert.equal(offer('\u202E'), undefined, 'nothing left of the name');
    assert.equal((offer('<img src=x onerror=alert(1)>') as { name: string }).name, '<img src=x onerror=alert(1)>', 'markup is just text');
  });

  it('drops chat longer than the limit', () => {
    assert.equal(decodePeerMessage(JSON.stringify({ type: 'chat', id: 'm1', text: 'x'.repeat(10_000), sentAt: 1 })), undefined);
  });
});
