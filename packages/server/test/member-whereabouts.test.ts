import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemberWhereabouts } from '@parley/server';

describe('MemberWhereabouts: where the members of our rooms are held (a hint; Redis decides)', () => {
  it('answers from the last read of the room, which replaces the one before', () => {
    const where = new MemberWhereabouts();
    where.learnRoom('r', [
      { id: 'a', node: 'n1' },
      { id: 'b', node: 'n2' },
    ]);
    assert.equal(where.nodeOf('r', 'b'), 'n2');
    assert.equal(where.nodeOf('other', 'b'), undefined, 'a member of one room is unknown in another');
    where.learnRoom('r', [{ id: 'a', node: 'n1' }]);
    assert.equal(where.nodeOf('r', 'b'), undefined, 'gone from the fresh read: unknown');
  });

  it('forgets a member, a node, and whatever is older than its ttl', () => {
    let now = 0;
    const where = new MemberWhereabouts({ ttlMs: 1000, now: () => now });
    where.learnRoom('r', [
      { id: 'a', node: 'n1' },
      { id: 'b', node: 'n2' },
      { id: 'c', node: 'n2' },
    ]);
    where.forget('r', 'a');
    assert.equal(where.nodeOf('r', 'a'), undefined);
    where.forgetNode('n2');
    assert.equal(where.nodeOf('r', 'b'), undefined);
    where.learnRoom('s', [{ id: 'd', node: 'n3' }]);
    now = 1001;
    assert.equal(where.nodeOf('s', 'd'), undefined, 'stale after the ttl: read Redis again');
  });
});
