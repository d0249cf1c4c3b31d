import { createHash } from 'node:crypto';
import type { Page } from '@playwright/test';
import type { Harness, Pair } from '../harness/harness.js';
import type { Middle } from '../harness/middle.js';
import { chatLog, expectVideoFlowing, joinCall, linkStats, sendChat, tile } from '../support/call.js';
import { expect, freshRoom, test } from '../support/fixtures.js';
import { openHarness } from '../support/harnessPage.js';
import { FingerprintRewriter, MiddleDiversion, type DivertedSignal } from '../support/lyingSignaling.js';
import { SignalingProxy } from '../support/SignalingProxy.js';

/**
 * "Knowing who you talk to": the safety code both people compare. A lying
 * signaling server either breaks the call (it swapped fingerprints) or sits
 * in the middle of it (two DTLS sessions): then the codes differ.
 */

declare global {
  interface Window {
    harness: Harness;
    pair: Pair;
    middle: Middle;
    parleyMiddleOut: (signal: DivertedSignal) => Promise<void>;
  }
}

const ROUNDS = 100;
const FOUR_WORDS = /^[a-z]+ [a-z]+ [a-z]+ [a-z]+$/;

/** Opens Connection details from `other`'s tile (once) and returns the safety code shown for `other`. */
async function shownCode(page: Page, other: string): Promise<string> {
  const details = page.getByRole('complementary', { name: 'Connection details' });
  if (!(await details.isVisible())) await tile(page, other).getByRole('button', { name: new RegExp(`^Connection to ${other}:`) }).click();
  const words = details.getByRole('group', { name: `Safety code with ${other}` }).getByText(FOUR_WORDS);
  await expect(words).toBeVisible({ timeout: 20_000 });
  return (await words.textContent()) ?? '';
}

/** The fingerprints in the current descriptions of the page's first peer connection. */
async function fingerprints(page: Page): Promise<{ local: string[]; remote: string[] }> {
  return page.evaluate(() => {
    const pc = (window as unknown as { __parleyPeerConnections: RTCPeerConnection[] }).__parleyPeerConnections[0];
    const of = (sdp: string | undefined) => [...new Set((sdp ?? '').split('\r\n').filter((line) => line.startsWith('a=fingerprint:')))];
    return { local: of(pc?.currentLocalDescription?.sdp), remote: of(pc?.currentRemoteDescription?.sdp) };
  });
}

function summarize(results: { ms: number }[], started: number) {
  const sorted = results.map((r) => r.ms).sort((x, y) => x - y);
  return `${((performance.now() - started) / 1000).toFixed(1)} s in all, median ${Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0)} ms per handshake`;
}

test('the code is derived as documented, and 100 honest handshakes show the same code on both sides', async ({ browser }) => {
  const harness = await openHarness(browser);
  try {
    const page = harness.page;
    await test.step('the word list: 256 words, no two sharing their first four letters', async () => {
      const words = await page.evaluate(() => [...window.harness.parley.SAFETY_WORDS]);
      expect(words).toHaveLength(256);
      expect(new Set(words.map((word) => word.slice(0, 4))).size).toBe(256);
    });

    await test.step('SHA-256 of the sorted fingerprints and the sorted nonces picks the words; either order, either case', async () => {
      const ours = 'a=fingerprint:sha-256 0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9';
      const theirs = 'a=fingerprint:sha-256 F0:E1:D2:C3:B4:A5:96:87:78:69:5A:4B:3C:2D:1E:0F:F0:E1:D2:C3:B4:A5:96:87:78:69:5A:4B:3C:2D:1E:0F';
      const sdp = (line: string) => `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n${line}\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n${line}\r\n`;
      const [nonceA, nonceB, nonceC] = ['ab'.repeat(32), '0f'.repeat(32), 'cd'.repeat(32)];
      const result = await page.evaluate(
        async ([a, b, bLower, nA, nB, nC]) => {
          const { deriveSafetyCode, safetyCommitment, SAFETY_WORDS } = window.harness.parley;
          return {
            ab: (await deriveSafetyCode(a, b, [nA, nB]))?.text,
            ba: (await deriveSafetyCode(b, a, [nB, nA]))?.text,
            lower: (await deriveSafetyCode(a, bLower, [nA, nB]))?.text,
            otherNonce: (await deriveSafetyCode(a, b, [nA, nC]))?.text,
            none: await deriveSafetyCode(a, 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n', [nA, nB]),
            commitment: await safetyCommitment(nA),
            words: [...SAFETY_WORDS],
          };
        },
        [sdp(ours), sdp(theirs), sdp(theirs.replace(/[A-F]/g, (c) => c.toLowerCase())), nonceA, nonceB, nonceC] as const,
      );
      // An independent implementation of docs/decisions/0008-safety-code.md, in Node.
      const fingerprintLines = [ours, theirs].map((line) => line.replace('a=fingerprint:', ''));
      const input = ['parley-safety-code/2', ...fingerprintLines, ...[nonceA, nonceB].sort()].join('\n');
      const digest = createHash('sha256').update(input).digest();
      const expected = [...digest.subarray(0, 4)].map((byte) => result.words[byte]).join(' ');
      console.log(`[safety] documented derivation: "${expected}"`);
      expect(result.ab).toBe(expected);
      expect(result.ba).toBe(expected);
      expect(result.lower).toBe(expected);
      expect(result.otherNonce).not.toBe(expected);
      expect(result.none).toBeNull();
      expect(result.commitment).toBe(createHash('sha256').update(`parley-safety-commit/2\n${nonceA}`).digest('hex'));
    });

    await test.step(`${ROUNDS} honest handshakes: ${ROUNDS} matching codes`, async () => {
      const started = performance.now();
      const results = await page.evaluate((count) => window.harness.safetyRounds(count, false), ROUNDS);
      const connected = results.filter((r) => r.connected).length;
      const same = results.filter((r) => r.a !== null && r.a === r.b).length;
      const distinct = new Set(results.map((r) => r.a)).size;
      console.log(`[safety] honest: ${same}/${ROUNDS} equal codes, ${connected}/${ROUNDS} connected, ${distinct} distinct codes; ${summarize(results, started)}`);
      expect(connected).toBe(ROUNDS);
      expect(same).toBe(ROUNDS);
      // Each connection makes a fresh certificate: the codes are not a constant.
      expect(distinct).toBeGreaterThan(ROUNDS - 3);
    });
  } finally {
    await harness.close();
  }
});

test('an honest call through the app: both people see the same four words, made from both real certificates', async ({ browser, server }) => {
  const room = freshRoom();
  const ada = await joinCall(browser, server, room, 'Ada');
  const bob = await joinCall(browser, server, room, 'Bob');
  const started = performance.now();
  const [adaSees, bobSees] = await Promise.all([shownCode(ada, 'Bob'), shownCode(bob, 'Ada')]);
  console.log(`[safety] honest call: Ada sees "${adaSees}", Bob sees "${bobSees}" (shown ${Math.round(performance.now() - started)} ms after both joined)`);
  expect(adaSees).toBe(bobSees);
  const [adaFp, bobFp] = await Promise.all([fingerprints(ada), fingerprints(bob)]);
  expect(adaFp.remote).toEqual(bobFp.local);
  expect(bobFp.remote).toEqual(adaFp.local);
  expect(adaFp.local).not.toEqual(bobFp.local);
});

test('a signaling server that rewrites a=fingerprint gets no call: DTLS refuses, and both people are told', async ({ browser, server }) => {
  const rewriter = new FingerprintRewriter();
  const proxy = await SignalingProxy.start(server.url, rewriter);
  try {
    const room = freshRoom();
    const ada = await joinCall(browser, proxy, room, 'Ada');
    const bob = await joinCall(browser, proxy, room, 'Bob');
    const started = performance.now();
    for (const [page, other] of [
      [ada, 'Bob'],
      [bob, 'Ada'],
    ] as const) {
      await tile(page, other).getByRole('button', { name: new RegExp(`^Connection to ${other}:`) }).click();
      const group = page.getByRole('complementary', { name: 'Connection details' }).getByRole('group', { name: `Safety code with ${other}` });
      await expect(group.getByRole('alert')).toContainText('encrypted connection', { timeout: 20_000 });
      await expect(group.getByText(FOUR_WORDS)).toHaveCount(0);
      // Not a network problem, and the tile does not pretend it is one.
      await expect(tile(page, other).getByRole('status')).toContainText(`The encrypted connection to ${other} was refused`);
    }
    const failedAfter = Math.round(performance.now() - started);
    const stats = [...(await linkStats(ada)), ...(await linkStats(bob))];
    console.log(
      `[safety] rewritten fingerprints: ${rewriter.rewritten} rewritten; both sides refused within ${failedAfter} ms; links ${stats.map((s) => s.connectionState).join(', ')}, ${stats.reduce((n, s) => n + s.framesDecoded, 0)} frames decoded`,
    );
    expect(rewriter.rewritten).toBeGreaterThanOrEqual(2);
    expect(stats.map((s) => s.connectionState)).toEqual(['failed', 'failed']);
    expect(stats.every((s) => s.framesDecoded === 0)).toBe(true);
  } finally {
    await proxy.stop();
  }
});

test('a man in the middle with two DTLS sessions: the call works, and the codes differ, 100 times out of 100', async ({ browser, server }) => {
  const diversion = new MiddleDiversion();
  const proxy = await SignalingProxy.start(server.url, diversion);
  const harness = await openHarness(browser);
  try {
    await test.step('one real call through a lying server and a middle page', async () => {
      // The middle page M: two SDK PeerLinks per pair, fed by the lying server through Playwright.
      const page = harness.page;
      await page.exposeFunction('parleyMiddleOut', (signal: DivertedSignal) => diversion.forge(proxy, signal));
      await page.evaluate(() => {
        window.middle = new window.harness.Middle((from, to, signal) => void window.parleyMiddleOut({ from, to, signal }));
      });
      let toMiddle = Promise.resolve();
      diversion.attach((signal) => {
        // One at a time, in order: a candidate must not overtake its description.
        toMiddle = toMiddle
          .then(() => page.evaluate((s) => window.middle.handle(s.from, s.to, s.signal as Parameters<Middle['handle']>[2]), signal))
          .catch((error: unknown) => console.error('[middle] could not hand over a signal:', error));
      });
      const room = freshRoom();
      const ada = await joinCall(browser, proxy, room, 'Ada');
      const bob = await joinCall(browser, proxy, room, 'Bob');
      // The attack works: video and chat flow, relayed by the middle.
      await expectVideoFlowing(ada, 'Bob');
      await expectVideoFlowing(bob, 'Ada');
      await sendChat(ada, 'is this private?');
      await expect(chatLog(bob)).toContainText('is this private?');
      const [adaSees, bobSees] = await Promise.all([shownCode(ada, 'Bob'), shownCode(bob, 'Ada')]);
      const [adaFp, bobFp] = await Promise.all([fingerprints(ada), fingerprints(bob)]);
      console.log(
        `[safety] middle: ${diversion.diverted} signals diverted, ${diversion.forged} forged; Ada sees "${adaSees}", Bob sees "${bobSees}"`,
      );
      expect(diversion.diverted).toBeGreaterThan(0);
      expect(adaFp.remote).not.toEqual(bobFp.local);
      expect(adaSees).not.toBe(bobSees);
      // The rounds below should not share the two cores with a video call.
      await Promise.all([ada.context().close(), bob.context().close()]);
      await page.evaluate(() => window.middle.close());
    });

    await test.step(`${ROUNDS} handshakes through a middle in one page: ${ROUNDS} different codes`, async () => {
      const started = performance.now();
      const results = await harness.page.evaluate((count) => window.harness.safetyRounds(count, true), ROUNDS);
      const connected = results.filter((r) => r.connected).length;
      const differ = results.filter((r) => r.a !== null && r.b !== null && r.a !== r.b).length;
      console.log(`[safety] middle: ${differ}/${ROUNDS} different codes, ${connected}/${ROUNDS} connected through the middle; ${summarize(results, started)}`);
      expect(connected).toBe(ROUNDS);
      expect(differ).toBe(ROUNDS);
    });
  } finally {
    await harness.close();
    await proxy.stop();
  }
});

test('a middle that alters the safety exchange is caught by the commitment, 100 times out of 100', async ({ browser }) => {
  // A page of its own: Chromium refuses more than about 500 peer connections in one page.
  const harness = await openHarness(browser);
  try {
    const started = performance.now();
    const results = await harness.page.evaluate((count) => window.harness.safetyRounds(count, 'tamper'), ROUNDS);
    // A (the smaller id) is polite: it holds B's commitment and checks B's reveal against it.
    const caught = results.filter((r) => r.states.a === 'exchange-failed' && r.a === null).length;
    const matching = results.filter((r) => r.a !== null && r.a === r.b).length;
    console.log(`[safety] tampering middle: ${caught}/${ROUNDS} caught by the commitment, ${matching} matching codes; ${summarize(results, started)}`);
    expect(caught).toBe(ROUNDS);
    expect(matching).toBe(0);
  } finally {
    await harness.close();
  }
});
