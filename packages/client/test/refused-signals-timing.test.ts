import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RESEND_FIRST_MS, RESEND_GIVE_UP_MS, RefusedSignals } from '@parley/client';

/** A RefusedSignals whose `send` numbers what it sends from 100 up, with a clock the test may move ahead. */
function refusedSignals() {
  const sent: { message: string; seq: number }[] = [];
  let nextSeq = 100;
  let skew = 0;
  const signals = new RefusedSignals<string>(
    (message) => {
      sent.push({ message, seq: nextSeq });
      return nextSeq++;
    },
    () => Date.now() + skew,
  );
  return { signals, sent, skip: (ms: number) => (skew += ms) };
}

describe('RefusedSignals', () => {
  it('sends refused signals again after a wait, in the order first sent, and waits twice as long after a second refusal', async () => {
    const { signals, sent, skip } = refusedSignals();
    signals.refused(7, 'b');
    // The refusals of one stall arrive a few milliseconds apart (one CI run saw them reversed when the clock ticked between them).
    skip(5);
    signals.refused(5, 'a');
    await sleep(RESEND_FIRST_MS / 2);
    assert.equal(sent.length, 0, 'nothing before the first wait is over');
    await sleep(RESEND_FIRST_MS / 2 + 100);
    assert.deepEqual(sent.map((s) => s.message), ['a', 'b'], 'in the order of their first seq');

    // 'b' went out as 101 and is refused again: the next try waits twice as long.
    signals.refused(101, 'b');
    await sleep(RESEND_FIRST_MS + 100);
    assert.equal(sent.length, 2, 'not after the first wait again');
    await sleep(RESEND_FIRST_MS);
    assert.deepEqual(sent.map((s) => s.message), ['a', 'b', 'b']);
    signals.clear();
  });

  it('gives a signal up once it has been refused for 30 s, and sends nothing after clear()', async () => {
    const { signals, sent, skip } = refusedSignals();
    signals.refused(1, 'old');
    await sleep(RESEND_FIRST_MS + 100);
    assert.equal(sent.length, 1);
    skip(RESEND_GIVE_UP_MS);
    signals.refused(100, 'old');
    signals.refused(2, 'cleared');
    signals.clear();
    await sleep(RESEND_FIRST_MS + 100);
    assert.deepEqual(sent.map((s) => s.message), ['old'], 'the old one given up, the cleared one never sent');
  });
});
