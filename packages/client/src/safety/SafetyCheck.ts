import { TypedEmitter, decodePeerMessage, type SafetyPeerMessage } from '@parley/protocol';
import type { PeerLink } from '../PeerLink.js';
import { deriveSafetyCode, safetyCommitment, safetyNonce, type SafetyCode } from './SafetyCode.js';

/**
 * What a person can know about who is at the other end of one link:
 * - `pending`: the encrypted session is not up yet;
 * - `ready`: DTLS completed with exactly the certificate the remote
 *   description declared; `code` is what both people should see;
 * - `dtls-failed`: the encrypted session was refused, which is what happens
 *   when someone altered the fingerprints in transit (RTCDtlsTransportState
 *   `failed`: "failure to validate the remote fingerprint", W3C webrtc-pc, RTCDtlsTransportState).
 *   A network that drops packets makes ICE fail instead and leaves this alone;
 * - `exchange-failed`: the other side's nonce did not match the commitment it
 *   sent first: someone altered the exchange on the way.
 */
export type SafetyStatus =
  | { readonly state: 'pending' }
  | { readonly state: 'ready'; readonly code: SafetyCode }
  | { readonly state: 'dtls-failed' }
  | { readonly state: 'exchange-failed' };

/** What the check needs of a link: its connection, its role, and its data channel. */
export type SafetyLink = Pick<PeerLink, 'pc' | 'polite' | 'send' | 'on' | 'channelOpen'>;

/**
 * The commit/reveal exchange, one per link. Impolite: channel → commitment
 * sent → (their nonce) → reveal sent, done. Polite: (their commitment) →
 * nonce sent → (their reveal, matching) → done, or broken. Every message out
 * of turn is ignored, so nobody gets a second try at any step.
 */
type ExchangeStep = 'await-channel' | 'committed' | 'await-commitment' | 'nonce-sent' | 'checking' | 'done' | 'broken';

export type SafetyCheckEvents = {
  changed: (status: SafetyStatus, previous: SafetyStatus) => void;
};

/**
 * Watches one link and derives its safety code from the negotiated
 * descriptions once the connection is up, and from both nonces of a
 * commit/reveal exchange over the link's data channel (docs/decisions/0008):
 * the impolite side commits to its nonce before it learns the polite side's,
 * and the polite side reveals its own before it learns the first. So a man
 * in the middle must fix what it sends each side before it can know what
 * would make the two codes agree, and computing power does not help it.
 * It sits beside the PeerLink rather than inside it.
 */
export class SafetyCheck extends TypedEmitter<SafetyCheckEvents> {
  readonly #pc: RTCPeerConnection;
  readonly #link: SafetyLink;
  readonly #nonce = safetyNonce();
  #step: ExchangeStep;
  #theirCommitment: string | undefined;
  #theirNonce: string | undefined;
  readonly #subs: (() => void)[] = [];
  #status: SafetyStatus = { state: 'pending' };
  /** Derivation is async: only the latest one may set the status. */
  #generation = 0;
  #closed = false;
  readonly #abort = new AbortController();

  constructor(link: SafetyLink) {
    super();
    const pc = link.pc;
    this.#pc = pc;
    this.#link = link;
    this.#step = link.polite ? 'await-commitment' : 'await-channel';
    const signal = this.#abort.signal;
    pc.addEventListener('connectionstatechange', () => void this.#update(), { signal });
    // A renegotiation could carry another certificate: look again whenever one settles.
    pc.addEventListener('signalingstatechange', () => void this.#update(), { signal });
    this.#subs.push(
      link.on('channel-open', () => void this.#commit()),
      link.on('message', (text) => void this.#onMessage(text)),
    );
    if (link.channelOpen) void this.#commit();
    void this.#update();
  }

  get status(): SafetyStatus {
    return this.#status;
  }

  /** Stops watching and drops every listener. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort();
    for (const unsubscribe of this.#subs.splice(0)) unsubscribe();
    this.removeAllListeners();
  }

  /** Impolite side, once the channel is open: the commitment goes first. */
  async #commit(): Promise<void> {
    if (this.#closed || this.#link.polite || this.#step !== 'await-channel') return;
    this.#step = 'committed';
    const commitment = await safetyCommitment(this.#nonce);
    if (!this.#closed) this.#send({ type: 'safety-commit', commitment });
  }

  async #onMessage(text: string): Promise<void> {
    const message = decodePeerMessage(text);
    if (this.#closed || !message) return;
    switch (message.type) {
      case 'safety-commit':
        if (this.#step !== 'await-commitment') return;
        this.#theirCommitment = message.commitment;
        this.#step = 'nonce-sent';
        this.#send({ type: 'safety-nonce', nonce: this.#nonce });
        return;
      case 'safety-nonce':
        if (this.#step !== 'committed') return;
        this.#theirNonce = message.nonce;
        this.#step = 'done';
        this.#send({ type: 'safety-reveal', nonce: this.#nonce });
        return this.#update();
      case 'safety-reveal': {
        if (this.#step !== 'nonce-sent') return;
        this.#step = 'checking';
        const kept = (await safetyCommitment(message.nonce)) === this.#theirCommitment;
        if (this.#closed) return;
        if (!kept) {
          this.#step = 'broken';
          this.#set({ state: 'exchange-failed' });
          return;
        }
        this.#theirNonce = message.nonce;
        this.#step = 'done';
        return this.#update();
      }
      default:
        // Chat, files and the rest are the Room's.
        return;
    }
  }

  #send(message: SafetyPeerMessage): void {
    // A channel that closed takes the link with it: there is no code to finish then.
    this.#link.send(JSON.stringify(message));
  }

  async #update(): Promise<void> {
    const generation = ++this.#generation;
    const pc = this.#pc;
    if (this.#closed || pc.connectionState === 'closed' || this.#step === 'broken') return;
    if (dtlsTransports(pc).some((transport) => transport.state === 'failed')) {
      this.#set({ state: 'dtls-failed' });
      return;
    }
    // Connected means DTLS checked the remote certificate against the remote description.
    // While disconnected or renegotiating, the last code stays: the DTLS session is the same.
    if (pc.connectionState !== 'connected' || pc.signalingState !== 'stable') return;
    const local = pc.currentLocalDescription?.sdp;
    const remote = pc.currentRemoteDescription?.sdp;
    const theirs = this.#theirNonce;
    if (!local || !remote || this.#step !== 'done' || theirs === undefined) return;
    const code = await deriveSafetyCode(local, remote, [this.#nonce, theirs]);
    if (generation !== this.#generation || this.#closed || !code || this.#step !== 'done') return;
    this.#set({ state: 'ready', code });
  }

  #set(next: SafetyStatus): void {
    const previous = this.#status;
    if (sameStatus(previous, next)) return;
    this.#status = next;
    if (next.state === 'dtls-failed') {
      console.warn('[parley] the encrypted session was refused: the certificate did not match the one signaling announced');
    }
    if (next.state === 'exchange-failed') {
      console.warn('[parley] the safety code exchange was altered: a nonce did not match its commitment');
    }
    this.emit('changed', next, previous);
  }
}

function sameStatus(a: SafetyStatus, b: SafetyStatus): boolean {
  if (a.state !== b.state) return false;
  return a.state !== 'ready' || b.state !== 'ready' || a.code.text === b.code.text;
}

/** Every DTLS transport the connection uses (one when bundled, as Parley always is). */
function dtlsTransports(pc: RTCPeerConnection): RTCDtlsTransport[] {
  const found = new Set<RTCDtlsTransport>();
  for (const transceiver of pc.getTransceivers()) {
    if (transceiver.sender.transport) found.add(transceiver.sender.transport);
  }
  if (pc.sctp) found.add(pc.sctp.transport);
  return [...found];
}
