/**
 * Loads the real client SDK into a page and offers Pion-style helpers that
 * wire two PeerLinks to each other inside one page. The "signaling" between
 * them is an in-page relay whose timing a test can bend (delays, reordering),
 * which no server could do on demand. Everything WebRTC stays real.
 */
import * as parley from '@parley/client';
import type { PeerLink } from '@parley/client';
import { Middle } from './middle.js';
import { safetyRound, safetyRounds } from './safetyRounds.js';

type SignalPayload = Parameters<PeerLink['handleSignal']>[0];

export interface RelayTiming {
  /** Delay for descriptions, so candidates overtake them. */
  descriptionDelayMs?: number;
  candidateDelayMs?: number;
}

export interface Pair {
  polite: PeerLink;
  impolite: PeerLink;
  /** Descriptions each side has sent (offers and answers), for counting renegotiations. */
  descriptionsSent: { polite: number; impolite: number };
  received: { polite: string[]; impolite: string[] };
  streams: { polite: MediaStream; impolite: MediaStream };
}

/**
 * Chromium's fake audio source sometimes fails to start (NotReadableError)
 * while the machine is saturated; it is the test machine's hiccup, not the
 * SDK's, so the harness tries a few times before giving up.
 */
async function localStream(attempts = 3): Promise<MediaStream> {
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } });
  } catch (error) {
    if (attempts <= 1 || !(error instanceof DOMException && error.name === 'NotReadableError')) throw error;
    await new Promise((resolve) => setTimeout(resolve, 500));
    return localStream(attempts - 1);
  }
}

function relay(from: PeerLink, to: PeerLink, timing: RelayTiming, onDescription: () => void): void {
  from.on('signal', (signal: SignalPayload) => {
    const isDescription = 'description' in signal;
    if (isDescription) onDescription();
    const delay = isDescription ? timing.descriptionDelayMs ?? 0 : timing.candidateDelayMs ?? 0;
    const deliver = () => void to.handleSignal(JSON.parse(JSON.stringify(signal)) as SignalPayload);
    if (delay > 0) setTimeout(deliver, delay);
    else queueMicrotask(deliver);
  });
}

async function makePair(timing: RelayTiming = {}): Promise<Pair> {
  // One capture, cloned for the second peer: opening the fake devices twice at once can fail under load.
  const source = await localStream();
  const streams = { polite: source, impolite: new MediaStream(source.getTracks().map((track) => track.clone())) };
  const tracks = (stream: MediaStream) => ({
    audio: stream.getAudioTracks()[0] ?? null,
    video: stream.getVideoTracks()[0] ?? null,
  });
  const polite = new parley.PeerLink({ remoteId: 'b', polite: true, iceServers: [], localStream: streams.polite, tracks: tracks(streams.polite) });
  const impolite = new parley.PeerLink({ remoteId: 'a', polite: false, iceServers: [], localStream: streams.impolite, tracks: tracks(streams.impolite) });
  const pair: Pair = {
    polite,
    impolite,
    streams,
    descriptionsSent: { polite: 0, impolite: 0 },
    received: { polite: [], impolite: [] },
  };
  relay(polite, impolite, timing, () => pair.descriptionsSent.polite++);
  relay(impolite, polite, timing, () => pair.descriptionsSent.impolite++);
  polite.on('message', (text) => pair.received.polite.push(text));
  impolite.on('message', (text) => pair.received.impolite.push(text));
  return pair;
}

function waitFor(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const check = () => {
      if (predicate()) return resolve();
      if (performance.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(check, 20);
    };
    check();
  });
}

async function connected(pair: Pair): Promise<void> {
  await waitFor(
    () =>
      pair.polite.connectionState === 'connected' &&
      pair.impolite.connectionState === 'connected' &&
      pair.polite.channelOpen &&
      pair.impolite.channelOpen,
    'both sides connected with open data channels',
  );
}

function mLines(link: PeerLink): string[] {
  return (link.pc.localDescription?.sdp ?? '').split('\r\n').filter((line) => line.startsWith('m='));
}

const harness = { parley, makePair, connected, waitFor, mLines, Middle, safetyRound, safetyRounds };
(window as unknown as { harness: typeof harness }).harness = harness;
export type Harness = typeof harness;
