import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import type { WebSocket } from 'ws';
import { batchWritesThisTurn, rememberStream } from '@parley/server';

describe('write batching', () => {
  it('holds a stream corked once for the rest of the turn, then writes everything in order', async () => {
    const stream = new PassThrough();
    const ws = {} as WebSocket;
    rememberStream(ws, stream);
    batchWritesThisTurn(ws);
    batchWritesThisTurn(ws);
    stream.write('a');
    stream.write('b');
    assert.equal(stream.writableCorked, 1, 'corked once however many messages');
    assert.equal(stream.read(), null, 'nothing written yet within the turn');
    await new Promise((resolve) => process.nextTick(resolve));
    assert.equal(stream.writableCorked, 0);
    assert.equal(String(stream.read()), 'ab');
  });

  it('leaves an unknown or destroyed stream alone', () => {
    batchWritesThisTurn({} as WebSocket);
    const stream = new PassThrough();
    const ws = {} as WebSocket;
    rememberStream(ws, stream);
    stream.destroy();
    batchWritesThisTurn(ws);
    assert.equal(stream.writableCorked, 0);
  });
});
