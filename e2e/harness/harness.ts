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
  /** Offers alone: both sides offering in one round is a collision. */
  offersSent: { polite: number; impolite: number };
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

function relay(from: PeerLink, to: PeerLink, timing: RelayTiming, onDescription: (type: string) => void): void {
  from.on('signal', (signal: SignalPayload) => {
    const isDescription = 'description' in signal;
    if (isDescription) onDescription(signal.description.type);
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
    offersSent: { polite: 0, impolite: 0 },
    received: { polite: [], impolite: [] },
  };
  const count = (side: 'polite' | 'impolite') => (type: string) => {
    pair.descriptionsSent[side]++;
    if (type === 'offer') pair.offersSent[side]++;
  };
  relay(polite, impolite, timing, count('polite'));
  relay(impolite, polite, timing, count('impolite'));
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

/** What a transceiver's currentDirection must be once both sides' wishes are negotiated. */
function expectedDirection(local: RTCRtpTransceiverDirection, remote: RTCRtpTransceiverDirection): RTCRtpTransceiverDirection {
  const send = (d: RTCRtpTransceiverDirection) => d === 'sendrecv' || d === 'sendonly';
  const recv = (d: RTCRtpTransceiverDirection) => d === 'sendrecv' || d === 'recvonly';
  const sending = send(local) && recv(remote);
  const receiving = recv(local) && send(remote);
  return sending && receiving ? 'sendrecv' : sending ? 'sendonly' : receiving ? 'recvonly' : 'inactive';
}

/**
 * Nothing left to negotiate: both sides stable, every m-line on both, and
 * every transceiver's negotiated direction what both sides now ask for.
 */
function settled(pair: Pair): boolean {
  const { polite, impolite } = pair;
  if (polite.pc.signalingState !== 'stable' || impolite.pc.signalingState !== 'stable') return false;
  const byMid = (link: PeerLink) => new Map(link.pc.getTransceivers().map((t) => [t.mid, t]));
  const [a, b] = [byMid(polite), byMid(impolite)];
  if (a.has(null) || b.has(null) || a.size !== b.size) return false;
  for (const [mid, mine] of a) {
    const theirs = b.get(mid);
    if (!theirs) return false;
    if (mine.currentDirection !== expectedDirection(mine.direction, theirs.direction)) return false;
    if (theirs.currentDirection !== expectedDirection(theirs.direction, mine.direction)) return false;
  }
  return true;
}

function mLines(link: PeerLink): string[] {
  return (link.pc.localDescription?.sdp ?? '').split('\r\n').filter((line) => line.startsWith('m='));
}

const harness = { parley, makePair, connected, waitFor, settled, mLines, Middle, safetyRound, safetyRounds };
(window as unknown as { harness: typeof harness }).harness = harness;
export type Harness = typeof harness;
