import { NetworkLab } from '@parley/testbed';
import { chatLog, expectVideoFlowing, linkStats, sendChat } from '../support/call.js';
import { expect, test } from '../support/fixtures.js';
import { firstShownAfter, formatFrames, recoveryAfter, shownFrames, startFrameLog } from '../support/frameLog.js';
import { formatTrace, keyFramesEncodedBetween, startLinkTrace, traceSamples } from '../support/linkTrace.js';
import { mediaBackAt, mediaSamples, startMediaSampling } from '../support/mediaSampler.js';
import { NatCall } from '../support/natCall.js';

const lab = await NetworkLab.available();
test.skip(!lab.ok, `network namespaces unavailable: ${lab.ok ? '' : lab.why}`);

/** Each outage, and how soon after the network returns media should flow again both ways (issue 6's targets). */
const ALL_OUTAGES = [
  { seconds: 5, targetMs: 2_000 },
  { seconds: 15, targetMs: 2_000 },
  { seconds: 30, targetMs: 5_000 },
] as const;

/**
 * DROP_SECONDS=5 (or 5,15) runs only those outages, so one of them can be
 * repeated on fresh calls (`--repeat-each`) without the minute the others
 * take. Unset: all three, as in CI.
 */
function chosenOutages(): readonly (typeof ALL_OUTAGES)[number][] {
  const knob = process.env['DROP_SECONDS'];
  if (knob === undefined || knob.trim() === '') return ALL_OUTAGES;
  const wanted = knob.split(',').map((part) => Number(part.trim()));
  const unknown = wanted.filter((seconds) => !ALL_OUTAGES.some((outage) => outage.seconds === seconds));
  if (unknown.length > 0) throw new Error(`DROP_SECONDS=${knob}: each value must be one of ${ALL_OUTAGES.map((o) => o.seconds).join(', ')}`);
  return ALL_OUTAGES.filter((outage) => wanted.includes(outage.seconds));
}
const OUTAGES = chosenOutages();
/*
 * Once the path is back, a receiver decodes again only from a keyframe.
 * Chromium's own request for one came 1 to 3 s late, so the SDK sends one
 * as soon as ICE says the path is back or the other side's media arrives
 * again (VideoSender.sendKeyFrame). That still missed the 2 s target about
 * once in 7 calls (2.2-2.4 s): traced (the samples this spec prints on a
 * miss), the sender had kept encoding into the dead path, and once it was
 * back the receiver asked for every packet it had missed; for 0.7-1.1 s
 * 90-100% of the sender's packets were retransmissions, at a bandwidth
 * estimate decayed to 30-150 kbit/s, and the keyframe came behind them. Now
 * the camera stream trickles (1 fps, 30 kbit/s) while nothing at all
 * arrives from the other side (OutageWatch) and gets its budget back with a
 * keyframe when something does: next to nothing is owed when the path
 * returns. (Stopping it, active: false, made a receiver hold the resumed
 * frames ~3 s once.) Measured in 5 calls since, worst side each: 5 s drop
 * 0.83-1.10 s, 15 s 0.36-0.74 s, 30 s 1.74-2.51 s.
 *
 * The 5 s drop still misses about once in 7 to 9 calls (3.1 s, worst side).
 * Traced with the frame log (frameLog.ts, printed on a miss): the sender
 * had encoded a keyframe into the dead path 1.6 s into the drop (as its
 * stream went to the trickle); at the return the receiver asked for what it
 * had missed, got that stale keyframe retransmitted, decoded and showed it
 * at 0.14 s; the fresh keyframe arrived at 0.2 s and was held, with every
 * frame after it, until 3.06 s (about 3 s after the stale decode:
 * Chromium's wait for a decodable frame). In calls that met the target the
 * first fresh frame was also held, to about 1 s after the return.
 * Variants tried in the SDK, 5 s drop on fresh calls, calls whose slower
 * side took over 2 s:
 *   the trickle as it is (1 fps, 30 kbit/s)          1 of 9, median call 1.07 s
 *   bitrate lowered only, camera rate kept           3 of 9 (the encoder rescaled during the drop, with a keyframe each time; one was retransmitted and decoded late)
 *   1/4 size, 10 fps, 30 kbit/s                      4 of 14 (no stale frame decoded, but fresh keyframes held 1-1.6 s)
 *   on return keyframe first, budget 300 ms later    3 of 14, median call 1.33 s (the keyframe waits for the 1 fps trickle: received 0.45-0.8 s)
 * None of them is in the SDK: none did better than the trickle as it is.
 *
 * Measured next (5 s drops on fresh calls, PARLEY_TRACE=1; the line now also
 * says when the first frame captured after the drop was shown, and how many
 * frames from the drop were shown before it; the trace has the jitter
 * buffer's wait per frame):
 *   - With the trickle, 10 calls: the first fresh frame arrived 0.07-0.74 s
 *     after the return and was then held until about 1 s after it (16 of 20
 *     sides shown at 0.93-1.16 s, 3 at once at 0.12-0.18 s, 1 after more
 *     than 3 s, see below). The frames were complete (framesReceived) but
 *     not decoded, then 10-16 were decoded and 4-5 dropped at once. Chromium's log (CHROMIUM_LOG=1) shows the
 *     receiver's 3 s "No decodable frame" timer at cut + 3 s and not at
 *     cut + 6 s = return + 1 s: the receiver had scheduled the fresh frames
 *     past that timer, i.e. its clock estimate for them was off after the
 *     gap, and the timer bounded the wait. The 15 and 30 s drops do not do
 *     this, maybe because the receiver's estimate (libwebrtc's
 *     TimestampExtrapolator) starts over after 10 s without frames.
 *   - Media back by framesDecoded can be stale: in 2 of those 20 sides frames
 *     captured 0.25 s and 2.85 s into the drop were retransmitted at the return
 *     and shown first (a "67 ms" recovery); once the fresh frames then came
 *     more than 3 s later (a miss the figure did not show).
 *   - Encoding deactivated during the drop instead (active: false, resumed
 *     with a keyframe), 7 calls: 3 missed (2.7, 3.0, 3.2 s) and 2 more showed
 *     frames from before the pause, then froze for more than 3 s. Worse; not
 *     kept.
 *   - The trickle with no RTX offered for the camera (setCodecPreferences;
 *     retransmissions then go on the media stream), 5 calls: 1 missed
 *     (3.15 s), 1 more froze for more than 3 s after 10 stale frames. No
 *     better; not kept.
 * What is left is in the receiver's scheduling after a gap shorter than
 * 10 s, which a page cannot reach (no API to reset it or ask for a keyframe).
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

test(`network drops of ${OUTAGES.map((o) => o.seconds).join(', ')} s on one peer: media comes back, and chat sent meanwhile arrives exactly once`, async () => {
  test.setTimeout(60_000 + OUTAGES.reduce((sum, outage) => sum + outage.seconds * 1_000 + 40_000, 0));
  // One call, the outages in a row: each must leave the call as good as it found it. The server
  // holds a dropped participant's place for 45 s. The default (10 s) cannot be that long: a browser
  // cut off for good must vanish for the others within 15 s (peer-vanishes.spec), and the server
  // cannot tell that from a drop that will end. With the default, a 30 s drop ends in the SDK
  // joining again as a new participant (rejoin-after-refused-resume.spec), not in a resume.
  const serverEnv = { RESUME_WINDOW_MS: '45000' };
  await NatCall.withTwoPeople({ kinds: ['cone', 'cone'], serverEnv }, async ({ call, ada, bob }) => {
    const bobsHome = call.homes[1];
    if (!bobsHome) throw new Error('two homes expected');
    await startMediaSampling(ada);
    await startMediaSampling(bob);
    await startLinkTrace(ada);
    await startLinkTrace(bob);
    await startFrameLog(ada);
    await startFrameLog(bob);
    // The SDK's own account of the recovery (keyframes sent, ICE restarts), on the test's clock.
    const sdkLog: { at: number; who: string; text: string }[] = [];
    for (const [who, page] of [['Ada', ada], ['Bob', bob]] as const) {
      page.on('console', (message) => {
        if (message.text().startsWith('[parley]')) sdkLog.push({ at: Date.now(), who, text: message.text() });
      });
    }
    const figures: { seconds: number; targetMs: number; adaMs: number | null; bobMs: number | null }[] = [];

    for (const { seconds, targetMs } of OUTAGES) {
      // Every packet to or from Bob's home is dropped, signaling included: his Wi-Fi died.
      await call.topology.cut(bobsHome);
      const cutAt = Date.now();
      await sleep(1_000);
      const fromBob = `Bob, during the ${seconds} s drop`;
      const fromAda = `Ada, during the ${seconds} s drop`;
      await sendChat(bob, fromBob);
      await sendChat(ada, fromAda);
      await sleep(cutAt + seconds * 1_000 - Date.now());
      await call.topology.restore(bobsHome);
      const restoredAt = Date.now();

      const backAt = async () => Promise.all([ada, bob].map(async (page) => mediaBackAt(await mediaSamples(page), restoredAt)));
      await expect
        .poll(async () => (await backAt()).every((at) => at !== null), { timeout: 40_000, intervals: [250] })
        .toBe(true)
        .catch(() => undefined);
      const [adaAt, bobAt] = await backAt();
      const figure = {
        seconds,
        targetMs,
        adaMs: adaAt === null || adaAt === undefined ? null : adaAt - restoredAt,
        bobMs: bobAt === null || bobAt === undefined ? null : bobAt - restoredAt,
      };
      figures.push(figure);
      const worst = Math.max(figure.adaMs ?? Infinity, figure.bobMs ?? Infinity);
      // Where the first frame after the return spent its time: on the way (late received) or in the receiver (held).
      const firstFrames = await Promise.all(
        ([[ada, 'Bob'], [bob, 'Ada']] as const).map(async ([page, sender]) => {
          const first = firstShownAfter(await shownFrames(page), sender, restoredAt);
          return first ? `${sender}'s received ${first.receivedMs ?? '?'} ms, shown ${first.shownMs} ms` : `${sender}'s never shown`;
        }),
      );
      // The first frame captured after the drop, and frames from the drop shown before it (retransmitted once the path was back).
      const freshFrames = await Promise.all(
        ([[ada, 'Bob'], [bob, 'Ada']] as const).map(async ([page, sender]) => {
          const recovery = recoveryAfter(await shownFrames(page), sender, cutAt, restoredAt);
          if (!recovery) return `${sender}'s unknown (no frame shown before the cut)`;
          const { staleShown, freshShownMs, freshReceivedMs } = recovery;
          return `${sender}'s ${freshShownMs === null ? 'not shown' : `shown ${freshShownMs} ms (received ${freshReceivedMs ?? '?'} ms)`}, ${staleShown} stale before it`;
        }),
      );
      // A keyframe encoded during the drop is lost on the way, but may be retransmitted once the path is back.
      const keyFramesInDrop = await Promise.all(
        [ada, bob].map(async (page) => keyFramesEncodedBetween(await traceSamples(page), cutAt, restoredAt)),
      );
      const line =
        `${seconds} s drop: media back ${figure.adaMs ?? 'never'} ms (at Ada) / ${figure.bobMs ?? 'never'} ms (at Bob) ` +
        `after the network returned; target ${targetMs} ms ${worst <= targetMs ? 'met' : 'MISSED'}; first frame ${firstFrames.join(', ')}; ` +
        `first fresh frame ${freshFrames.join(', ')}; ` +
        `keyframes encoded during the drop: Ada ${keyFramesInDrop[0]}, Bob ${keyFramesInDrop[1]}`;
      console.log(`[network-drop] ${line}`);
      if (worst > targetMs || process.env['PARLEY_TRACE']) {
        // What each side sent and received around the return: the figures that explain a slow one.
        for (const [who, page] of [['Ada', ada], ['Bob', bob]] as const) {
          // From the cut for short drops (what was encoded into the dead path matters), the last 6 s of a long one.
          const traceFrom = Math.max(cutAt, restoredAt - 6_000);
          const trace = formatTrace(await traceSamples(page), restoredAt, traceFrom, restoredAt + Math.max(3_000, worst + 500));
          console.log(`[network-drop] ${who}, ms from the network's return:\n${trace.join('\n')}`);
          const frames = formatFrames(await shownFrames(page), restoredAt, restoredAt - 1_000, restoredAt + Math.max(3_000, worst + 500));
          console.log(`[network-drop] frames ${who} showed, ms from the network's return:\n${frames.join('\n')}`);
        }
        const log = sdkLog.filter((entry) => entry.at >= cutAt && entry.at <= restoredAt + 5_000);
        console.log(`[network-drop] SDK log:\n${log.map((e) => `${e.at - restoredAt} ${e.who} ${e.text}`).join('\n')}`);
      }
      test.info().annotations.push({ type: 'network-drop', description: line });
      expect(figure.adaMs, `Ada receives Bob again after the ${seconds} s drop`).not.toBeNull();
      expect(figure.bobMs, `Bob receives Ada again after the ${seconds} s drop`).not.toBeNull();

      // What was typed during the outage arrives, once each.
      await expect(chatLog(ada).getByText(fromBob, { exact: true })).toHaveCount(1, { timeout: 15_000 });
      await expect(chatLog(bob).getByText(fromAda, { exact: true })).toHaveCount(1, { timeout: 15_000 });
      // A late duplicate would show up here.
      await sleep(1_000);
      await expect(chatLog(ada).getByText(fromBob, { exact: true })).toHaveCount(1);
      await expect(chatLog(bob).getByText(fromAda, { exact: true })).toHaveCount(1);
      await expectVideoFlowing(ada, 'Bob');
      await expectVideoFlowing(bob, 'Ada');
    }

    // The same call throughout: no peer connection was replaced.
    for (const page of [ada, bob]) expect((await linkStats(page)).map((link) => link.connectionState)).toEqual(['connected']);

    for (const { seconds, targetMs, adaMs, bobMs } of figures) {
      expect(Math.max(adaMs ?? Infinity, bobMs ?? Infinity), `media back within ${targetMs} ms after the ${seconds} s drop`).toBeLessThanOrEqual(targetMs);
    }
  });
});
