import { expect } from '../support/fixtures.js';
import { makePair, test } from '../support/sdkHarness.js';

const ROUNDS = 100;

test(`both sides start or stop a screen share at the same moment ${ROUNDS} times: the pair stays connected and media flows`, async ({ harness }) => {
  test.setTimeout(180_000);
  await makePair(harness);
  const result = await harness.evaluate(async (rounds) => {
    const { polite, impolite, streams } = window.pair;
    // Each side "shares its screen": a copy of its camera, in a stream of its own as the SDK's Room does.
    const screens = [polite, impolite].map((link, i) => {
      const camera = (i === 0 ? streams.polite : streams.impolite).getVideoTracks()[0];
      if (!camera) throw new Error('no camera track');
      const track = camera.clone();
      return { link, track, stream: new MediaStream([track]) };
    });
    const dropped: string[] = [];
    for (const link of [polite, impolite]) {
      link.on('connection-state', (state) => {
        if (state !== 'connected') dropped.push(`${link.polite ? 'polite' : 'impolite'}: ${state}`);
      });
    }
    const offersBefore = { ...window.pair.offersSent };
    const started = performance.now();
    let connectedRounds = 0;
    let bothOffered = 0;
    for (let round = 1; round <= rounds; round++) {
      const offers = { ...window.pair.offersSent };
      const sharing = round % 2 === 1;
      // Both in the same task: each fires negotiationneeded and offers before hearing the other.
      await Promise.all(screens.map(({ link, track, stream }) => link.setScreenTrack(sharing ? track : null, stream)));
      await window.harness.waitFor(() => window.harness.settled(window.pair), `round ${round} to settle`, 20_000);
      if (window.pair.offersSent.polite > offers.polite && window.pair.offersSent.impolite > offers.impolite) bothOffered++;
      if (polite.connectionState === 'connected' && impolite.connectionState === 'connected') connectedRounds++;
    }
    const elapsedMs = performance.now() - started;

    // Media still flows both ways at the end: camera frames keep being decoded on each side.
    const framesDecoded = async (pc: RTCPeerConnection) => {
      let frames = 0;
      (await pc.getStats()).forEach((r: Record<string, unknown>) => {
        if (r['type'] === 'inbound-rtp' && r['kind'] === 'video') frames += Number(r['framesDecoded'] ?? 0);
      });
      return frames;
    };
    const before = await Promise.all([polite.pc, impolite.pc].map(framesDecoded));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const after = await Promise.all([polite.pc, impolite.pc].map(framesDecoded));
    // And the data channel still carries messages.
    window.pair.received.polite.length = 0;
    impolite.send('still here');
    await window.harness.waitFor(() => window.pair.received.polite.includes('still here'), 'a message after the collisions');
    return {
      connectedRounds,
      bothOffered,
      offers: { polite: window.pair.offersSent.polite - offersBefore.polite, impolite: window.pair.offersSent.impolite - offersBefore.impolite },
      elapsedMs,
      dropped,
      framesGained: after.map((frames, i) => frames - (before[i] as number)),
      transceivers: [polite.pc.getTransceivers().length, impolite.pc.getTransceivers().length],
    };
  }, ROUNDS);

  const line =
    `${result.connectedRounds}/${ROUNDS} rounds connected in ${Math.round(result.elapsedMs)} ms ` +
    `(${Math.round(result.elapsedMs / ROUNDS)} ms a round); both sides offered in ${result.bothOffered} rounds ` +
    `(offers: polite ${result.offers.polite}, impolite ${result.offers.impolite}); frames decoded in 1.5 s afterwards: ${result.framesGained.join(' / ')}`;
  console.log(`[offer-collisions] ${line}`);
  test.info().annotations.push({ type: 'offer-collisions', description: line });

  expect(result.dropped, 'the connection never left "connected"').toEqual([]);
  expect(result.connectedRounds).toBe(ROUNDS);
  // The rounds really collided: most of them had an offer from each side.
  expect(result.bothOffered).toBeGreaterThan(ROUNDS / 2);
  // The screen transceivers were reused: one each way, never one per share.
  expect(result.transceivers).toEqual([4, 4]);
  for (const frames of result.framesGained) expect(frames).toBeGreaterThan(10);
});
