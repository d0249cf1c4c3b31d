import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstNegotiation, type NegotiatingPeer } from '@parley/client';

/** A participant whose first offer and answer go through when the test says so (no WebRTC in Node). */
class Peer implements NegotiatingPeer {
  negotiated = false;
  readonly listeners = new Set<() => void>();
  on(_event: 'negotiated', listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  finish(): void {
    this.negotiated = true;
    for (const listener of [...this.listeners]) listener();
  }
}

const peers = (...list: Peer[]) => new Map(list.map((peer, i) => [`p${i}`, peer] as const));
/** Whether `promise` has settled by the time the queued callbacks have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('firstNegotiation', () => {
  it('resolves at once with nobody to negotiate with, or everyone done', async () => {
    assert.equal(await settled(firstNegotiation(new Map(), 60_000)), true);
    const done = new Peer();
    done.finish();
    assert.equal(await settled(firstNegotiation(peers(done), 60_000)), true);
  });

  it('waits for every participant, then lets go of their events', async () => {
    const a = new Peer();
    const b = new Peer();
    const waiting = firstNegotiation(peers(a, b), 60_000);
    a.finish();
    assert.equal(await settled(waiting), false, 'b has not negotiated yet');
    b.finish();
    assert.equal(await settled(waiting), true);
    assert.equal(a.listeners.size + b.listeners.size, 0);
  });

  it('gives up after maxMs for a peer that never answers, and lets go of its events', async () => {
    const silent = new Peer();
    await firstNegotiation(peers(silent), 20);
    assert.equal(silent.negotiated, false);
    assert.equal(silent.listeners.size, 0);
  });
});
