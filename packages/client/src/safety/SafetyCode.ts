import { SAFETY_WORDS } from './safetyWords.js';

/**
 * Bumped whenever the derivation or the word list changes: it is hashed in,
 * so two clients of different versions show different words instead of
 * agreeing by accident on a weaker scheme.
 */
export const SAFETY_CODE_VERSION = 2;

/** Words shown per code: 4 words of 8 bits each, 32 bits (see docs/decisions/0008-safety-code.md). */
export const SAFETY_CODE_WORDS = 4;

/**
 * A short authentication string for one peer connection, the same on both
 * sides when each side's DTLS certificate is the one the other side checked.
 * A signaling server that sits in the middle (one DTLS session with each
 * side) cannot make the two sides' codes agree except by chance.
 */
export interface SafetyCode {
  /** The words to read aloud, in order. */
  readonly words: readonly string[];
  /** The words joined by spaces, for display and comparison. */
  readonly text: string;
  /** Both certificate fingerprints that went in, sorted: what the code stands for. */
  readonly fingerprints: readonly [string, string];
}

/** Both sides' nonces of the commit/reveal exchange, in lowercase hex, either order. */
export type SafetyNonces = readonly [string, string];

/**
 * The certificate fingerprints a description declares (RFC 8122 §5,
 * `a=fingerprint:<hash-func> <hex>`), normalised to `sha-256 AB:CD:...` and
 * sorted, without duplicates: Chromium repeats one per m-section.
 */
export function sdpFingerprints(sdp: string): string[] {
  const found = new Set<string>();
  for (const line of sdp.split(/\r?\n/)) {
    const match = /^a=fingerprint:(\S+)\s+([0-9A-Fa-f:]+)\s*$/.exec(line);
    if (match?.[1] && match[2]) found.add(`${match[1].toLowerCase()} ${match[2].toUpperCase()}`);
  }
  return [...found].sort();
}

/**
 * Derives the code from the two descriptions of one negotiation (ours and
 * theirs, either way round: the inputs are sorted, so both sides hash the same
 * bytes) and the two nonces of the commit/reveal exchange (sorted too). Null
 * when either description declares no fingerprint.
 *
 * SHA-256 over `parley-safety-code/<version>\n<first>\n<second>\n<nonce>\n<nonce>`,
 * where each side's entry is its fingerprints joined by `,`; the first bytes
 * of the digest pick the words, one byte per word.
 */
export async function deriveSafetyCode(localSdp: string, remoteSdp: string, nonces: SafetyNonces): Promise<SafetyCode | null> {
  const local = sdpFingerprints(localSdp).join(',');
  const remote = sdpFingerprints(remoteSdp).join(',');
  if (!local || !remote) return null;
  const [first, second] = [local, remote].sort() as [string, string];
  const [lowNonce, highNonce] = [...nonces].sort() as [string, string];
  const input = new TextEncoder().encode(`parley-safety-code/${SAFETY_CODE_VERSION}\n${first}\n${second}\n${lowNonce}\n${highNonce}`);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', input));
  const words = [...digest.subarray(0, SAFETY_CODE_WORDS)].map((byte) => SAFETY_WORDS[byte] as string);
  return { words, text: words.join(' '), fingerprints: [first, second] };
}

/** A fresh nonce for one link: 32 random bytes in lowercase hex. */
export function safetyNonce(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(32)));
}

/** What the impolite side sends first: SHA-256 of `parley-safety-commit/<version>\n<nonce>`, in hex. */
export async function safetyCommitment(nonce: string): Promise<string> {
  const input = new TextEncoder().encode(`parley-safety-commit/${SAFETY_CODE_VERSION}\n${nonce}`);
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', input)));
}

function toHex(bytes: Uint8Array): string {
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}
