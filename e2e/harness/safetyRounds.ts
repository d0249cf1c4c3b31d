/**
 * Many negotiations in one page, cheaply: two PeerLinks without media (A and
 * B), connected either directly or through a Middle, and the safety codes
 * each side's SafetyCheck derives. Every handshake is real DTLS in Chromium.
 */
import * as parley from '@parley/client';
import type { SafetyStatus } from '@parley/client';
import { Middle, type SignalPayload } from './middle.js';

export interface RoundResult {
  /** The codes A and B show (null: none, e.g. the session failed). */
  a: string | null;
  b: string | null;
  /** What each side's check says: pending, ready, dtls-failed or exchange-failed. */
  states: { a: string; b: string };
  /** Both links connected: the call worked, whoever was in it. */
  connected: boolean;
  ms: number;
}

function code(status: SafetyStatus): string | null {
  return status.state === 'ready' ? status.code.text : null;
}

/** A middle that swaps the nonce of every reveal it passes on for one of its own. */
function swapReveal(text: string): string {
  const message = JSON.parse(text) as { type?: string; nonce?: string };
  if (message.type !== 'safety-reveal') return text;
  return JSON.stringify({ ...message, nonce: parley.safetyNonce() });
}

/**
 * One negotiation between A and B; through a man in the middle when `middle`
 * is true, and one that also alters the safety exchange when it is 'tamper'.
 */
export async function safetyRound(middle: boolean | 'tamper', timeoutMs = 10_000): Promise<RoundResult> {
  const started = performance.now();
  const link = (remoteId: string, polite: boolean) =>
    new parley.PeerLink({ remoteId, polite, iceServers: [], localStream: new MediaStream(), tracks: { audio: null, video: null } });
  // The Room's rule: the smaller id is polite.
  const a = link('b', true);
  const b = link('a', false);
  const links = new Map([
    ['a', a],
    ['b', b],
  ]);
  const deliver = (from: string, to: string, signal: SignalPayload) => {
    const copy = structuredClone(signal);
    queueMicrotask(() => void links.get(to)?.handleSignal(copy));
  };
  const man = middle ? new Middle(deliver, [], middle === 'tamper' ? swapReveal : undefined) : null;
  a.on('signal', (signal) => (man ? man.handle('a', 'b', signal) : deliver('a', 'b', signal)));
  b.on('signal', (signal) => (man ? man.handle('b', 'a', signal) : deliver('b', 'a', signal)));
  const checks = { a: new parley.SafetyCheck(a), b: new parley.SafetyCheck(b) };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no safety codes within ${timeoutMs} ms`)), timeoutMs);
      const check = () => {
        if (checks.a.status.state === 'pending' || checks.b.status.state === 'pending') return;
        clearTimeout(timer);
        resolve();
      };
      checks.a.on('changed', check);
      checks.b.on('changed', check);
      check();
    });
    return {
      a: code(checks.a.status),
      b: code(checks.b.status),
      states: { a: checks.a.status.state, b: checks.b.status.state },
      connected: a.connectionState === 'connected' && b.connectionState === 'connected',
      ms: performance.now() - started,
    };
  } finally {
    checks.a.close();
    checks.b.close();
    man?.close();
    a.close();
    b.close();
  }
}

/** `count` rounds, `parallel` at a time; every result in order. */
export async function safetyRounds(count: number, middle: boolean | 'tamper', parallel = 4): Promise<RoundResult[]> {
  const results: RoundResult[] = [];
  for (let start = 0; start < count; start += parallel) {
    const batch = Array.from({ length: Math.min(parallel, count - start) }, () => safetyRound(middle));
    results.push(...(await Promise.all(batch)));
  }
  return results;
}
