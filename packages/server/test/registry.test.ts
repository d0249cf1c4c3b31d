import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RoomRegistry, type Member } from '@parley/server';

function member(id: string, inbox: string[] = []): Member {
  return { id, name: id.toUpperCase(), media: { micMuted: false, cameraOff: false }, deliver: (m) => inbox.push(m), expel: () => undefined };
}

describe('RoomRegistry', () => {
  it('creates a room on first join, lists the others, and removes it when empty', () => {
    const registry = new RoomRegistry({ maxParticipants: 8 });
    const first = registry.join('r', member('a'));
    assert.ok(first.ok);
    assert.deepEqual(first.peers, []);
    const second = registry.join('r', member('b'));
    assert.ok(second.ok);
    assert.deepEqual(second.peers.map((p) => p.id), ['a']);
    assert.equal(registry.participantCount, 2);
    registry.leave(second.room, member('a'));
    registry.leave(second.room, member('b'));
    assert.equal(registry.roomCount, 0);
  });

  it('refuses to go past the participant limit and leaves the room as it was', () => {
    const registry = new RoomRegistry({ maxParticipants: 2 });
    registry.join('r', member('a'));
    registry.join('r', member('b'));
    const third = registry.join('r', member('c'));
    assert.equal(third.ok, false);
    assert.equal(!third.ok && third.code, 'room-full');
    assert.equal(registry.get('r')?.size, 2);
    assert.equal(registry.get('r')?.has('c'), false);
  });

  it('keeps rooms apart: broadcast reaches only that room, minus the sender', () => {
    const registry = new RoomRegistry({ maxParticipants: 8 });
    const inboxA: string[] = [];
    const inboxB: string[] = [];
    const inboxC: string[] = [];
    registry.join('one', member('a', inboxA));
    const joined = registry.join('one', member('b', inboxB));
    registry.join('two', member('c', inboxC));
    assert.ok(joined.ok);
    joined.room.broadcast({ type: 'peer-left', peerId: 'zz', reason: 'left' }, 'b');
    assert.equal(inboxA.length, 1);
    assert.equal(inboxB.length, 0);
    assert.equal(inboxC.length, 0);
    assert.equal(joined.room.sendTo('c', { type: 'peer-left', peerId: 'zz', reason: 'left' }), false);
  });
});
