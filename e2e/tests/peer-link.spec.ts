import { expect } from '../support/fixtures.js';
import { makePair, test } from '../support/sdkHarness.js';

/**
 * The SDK's PeerLink pair in real Chromium, wired inside one page: the
 * perfect-negotiation rules under timing no server would produce on demand.
 */

test('a pair connects with one audio and one video m-line each way and an open data channel', async ({ harness }) => {
  await makePair(harness);
  const shape = await harness.evaluate(() => {
    const { polite, impolite } = window.pair;
    return {
      polite: window.harness.mLines(polite).map((line) => line.split(' ')[0]),
      impolite: window.harness.mLines(impolite).map((line) => line.split(' ')[0]),
      transceivers: [polite.pc.getTransceivers().length, impolite.pc.getTransceivers().length],
      directions: polite.pc.getTransceivers().map((t) => t.currentDirection),
    };
  });
  expect(shape.polite).toEqual(['m=audio', 'm=video', 'm=application']);
  expect(shape.impolite).toEqual(['m=audio', 'm=video', 'm=application']);
  expect(shape.transceivers).toEqual([2, 2]);
  expect(shape.directions).toEqual(['sendrecv', 'sendrecv']);

  await harness.evaluate(async () => {
    window.pair.polite.send('to impolite');
    window.pair.impolite.send('to polite');
    await window.harness.waitFor(() => window.pair.received.impolite.length === 1 && window.pair.received.polite.length === 1, 'messages');
  });
  expect(await harness.evaluate(() => window.pair.received)).toEqual({ polite: ['to polite'], impolite: ['to impolite'] });
});

test('offers from both sides at the same moment settle every time, without deadlock', async ({ harness }) => {
  await makePair(harness);
  const rounds = await harness.evaluate(async () => {
    const { polite, impolite } = window.pair;
    const results: { stable: boolean; transceivers: number[] }[] = [];
    for (let round = 1; round <= 5; round++) {
      // Both add a transceiver in the same task: each fires negotiationneeded and offers.
      polite.pc.addTransceiver('video', { direction: 'sendrecv' });
      impolite.pc.addTransceiver('video', { direction: 'sendrecv' });
      await window.harness.waitFor(
        () =>
          polite.pc.signalingState === 'stable' &&
          impolite.pc.signalingState === 'stable' &&
          polite.pc.getTransceivers().every((t) => t.mid !== null) &&
          impolite.pc.getTransceivers().every((t) => t.mid !== null) &&
          polite.pc.getTransceivers().length === impolite.pc.getTransceivers().length,
        `round ${round} to settle`,
      );
      results.push({
        stable: polite.connectionState === 'connected' && impolite.connectionState === 'connected',
        transceivers: [polite.pc.getTransceivers().length, impolite.pc.getTransceivers().length],
      });
    }
    return { results, collisions: window.pair.descriptionsSent };
  });
  // Each round adds two m-lines (one from each side), and the connection never drops.
  expect(rounds.results.map((r) => r.transceivers)).toEqual([
    [4, 4],
    [6, 6],
    [8, 8],
    [10, 10],
    [12, 12],
  ]);
  expect(rounds.results.every((r) => r.stable)).toBe(true);
  // Both sides did offer: the polite one's offers were rolled back or answered.
  expect(rounds.collisions.polite).toBeGreaterThan(5);
  expect(rounds.collisions.impolite).toBeGreaterThan(5);
});

test('candidates that overtake their description are queued and still connect the pair', async ({ harness }) => {
  await makePair(harness, { descriptionDelayMs: 400 });
  expect(await harness.evaluate(() => window.pair.polite.connectionState)).toBe('connected');
});

test('switching and stopping a track needs no renegotiation; close() is complete and idempotent', async ({ harness }) => {
  await makePair(harness);
  const result = await harness.evaluate(async () => {
    const { polite, impolite, descriptionsSent, streams } = window.pair;
    const before = { ...descriptionsSent };
    await polite.replaceTrack('video', null);
    const camera = await navigator.mediaDevices.getUserMedia({ video: true });
    await polite.replaceTrack('video', camera.getVideoTracks()[0] ?? null);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const sent = polite.pc.getSenders().find((s) => s.track?.kind === 'video')?.track?.id;
    const after = { ...descriptionsSent };
    let eventsAfterClose = 0;
    polite.on('connection-state', () => eventsAfterClose++);
    polite.close();
    polite.close();
    impolite.close();
    camera.getTracks().forEach((t) => t.stop());
    streams.polite.getTracks().forEach((t) => t.stop());
    streams.impolite.getTracks().forEach((t) => t.stop());
    return {
      before,
      after,
      sentIsNewCamera: sent === camera.getVideoTracks()[0]?.id,
      states: [polite.pc.connectionState, impolite.pc.connectionState],
      sendAfterClose: polite.send('x'),
      eventsAfterClose,
    };
  });
  expect(result.after).toEqual(result.before);
  expect(result.sentIsNewCamera).toBe(true);
  expect(result.states).toEqual(['closed', 'closed']);
  expect(result.sendAfterClose).toBe(false);
  expect(result.eventsAfterClose).toBe(0);
});

test('a keyframe request and a new camera budget given in the same moment both take effect', async ({ harness }) => {
  await makePair(harness);
  const result = await harness.evaluate(async () => {
    const { impolite, polite, streams } = window.pair;
    const sender = impolite.pc.getSenders().find((s) => s.track?.kind === 'video');
    if (!sender) throw new Error('no video sender');
    const keyFrames = async () => {
      let count = 0;
      (await sender.getStats()).forEach((r: { type?: string; keyFramesEncoded?: number }) => {
        if (r.type === 'outbound-rtp') count += r.keyFramesEncoded ?? 0;
      });
      return count;
    };
    // The starting size (1/3) gives way to the full budget (1) once frames are out.
    await window.harness.waitFor(() => sender.getParameters().encodings[0]?.scaleResolutionDownBy === 1, 'the full budget');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = await keyFrames();
    // Only the bitrate changes: a change of size would bring a keyframe by itself.
    const budget = { scaleResolutionDownBy: 1, maxFramerate: 30, maxBitrate: 345_000 };
    impolite.sendKeyFrame();
    impolite.setVideoBudget(budget);
    await window.harness.waitFor(() => sender.getParameters().encodings[0]?.maxBitrate === budget.maxBitrate, 'the new budget', 5_000).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const encoding = sender.getParameters().encodings[0];
    const after = await keyFrames();
    polite.close();
    impolite.close();
    streams.polite.getTracks().forEach((t) => t.stop());
    streams.impolite.getTracks().forEach((t) => t.stop());
    return { keyFrames: after - before, maxBitrate: encoding?.maxBitrate, maxFramerate: encoding?.maxFramerate };
  });
  console.log(`[peer-link] keyframe and budget together: ${result.keyFrames} keyframe(s) encoded, maxBitrate ${result.maxBitrate}`);
  expect(result.maxBitrate).toBe(345_000);
  expect(result.maxFramerate).toBe(30);
  expect(result.keyFrames).toBeGreaterThanOrEqual(1);
});
