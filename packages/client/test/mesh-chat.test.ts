import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParleyError } from '@parley/client';
import { MeshChat } from '../dist/chat/MeshChat.js';

/** A peer's data channel that is open or not, keeping what it was given. */
class Channel {
  readonly got: string[] = [];
  constructor(public open: boolean) {}
  send(text: string): boolean {
    if (!this.open) return false;
    this.got.push(text);
    return true;
  }
}

const ada = { id: 'p-ada', name: 'Ada' };
const texts = (channel: Channel) => channel.got.map((raw) => (JSON.parse(raw) as { text: string }).text);

describe('chat over the mesh', () => {
  it('goes to every open channel and waits, in order, for one that is not open', () => {
    const chat = new MeshChat();
    const bob = new Channel(true);
    const cleo = new Channel(false);
    const links = new Map([['p-bob', bob], ['p-cleo', cleo]]);
    const first = chat.send(ada, '  hello  ', links);
    assert.deepEqual({ text: first.text, self: first.self, from: first.from }, { text: 'hello', self: true, from: ada });
    chat.send(ada, 'second', links);
    assert.deepEqual(texts(bob), ['hello', 'second']);
    assert.deepEqual(cleo.got, []);
    cleo.open = true;
    // A message sent before the flush must not overtake the queued ones.
    chat.send(ada, 'third', links);
    assert.deepEqual(cleo.got, []);
    chat.flush('p-cleo', cleo);
    assert.deepEqual(texts(cleo), ['hello', 'second', 'third']);
  });

  it('shows a message that arrives twice once, per sender', () => {
    const chat = new MeshChat();
    const message = { type: 'chat', id: 'p-bob-1', text: 'hi', sentAt: 1 } as const;
    assert.ok(chat.receive({ id: 'p-bob', name: 'Bob' }, message));
    assert.equal(chat.receive({ id: 'p-bob', name: 'Bob' }, message), undefined);
    assert.ok(chat.receive({ id: 'p-cleo', name: 'Cleo' }, message), 'the same id from someone else is another message');
  });

  it('keeps at most 200 for a closed channel, dropping the oldest', () => {
    const chat = new MeshChat();
    const closed = new Channel(false);
    const links = new Map([['p-bob', closed]]);
    for (let i = 1; i <= 205; i += 1) chat.send(ada, `m${i}`, links);
    closed.open = true;
    chat.flush('p-bob', closed);
    assert.equal(closed.got.length, 200);
    assert.deepEqual(texts(closed).slice(0, 2), ['m6', 'm7']);
  });

  it('refuses an empty or too long message and sends nothing', () => {
    const chat = new MeshChat();
    const bob = new Channel(true);
    for (const text of ['   ', 'x'.repeat(10_001)]) {
      assert.throws(() => chat.send(ada, text, new Map([['p-bob', bob]])), (error: unknown) => error instanceof ParleyError && error.code === 'bad-message');
    }
    assert.deepEqual(bob.got, []);
  });

  it('keeps the queue of someone still there across a rejoin, and forgets who left', () => {
    const chat = new MeshChat();
    const closed = new Channel(false);
    chat.send(ada, 'kept', new Map([['p-bob', closed], ['p-gone', closed]]));
    const queued = chat.takeQueues();
    chat.requeue('p-bob', queued.get('p-bob'));
    chat.forget('p-gone');
    closed.open = true;
    chat.flush('p-gone', closed);
    assert.deepEqual(closed.got, []);
    chat.flush('p-bob', closed);
    assert.deepEqual(texts(closed), ['kept']);
  });
});
