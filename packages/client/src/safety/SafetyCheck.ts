import { TypedEmitter } from '@parley/protocol';
import { deriveSafetyCode, type SafetyCode } from './SafetyCode.js';

/**
 * What a person can know about who is at the other end of one link:
 * - `pending`: the encrypted session is not up yet;
 * - `ready`: DTLS completed with exactly the certificate the remote
 *   description declared; `code` is what both people should see;
 * - `dtls-failed`: the encrypted session was refused, which is what happens
 *   when someone altered the fingerprints in transit (RTCDtlsTransportState
 *   `failed`: "failure to validate the remote fingerprint", W3C webrtc-pc, RTCDtlsTransportState).
 *   A network that drops packets makes ICE fail instead and leaves this alone.
 */
export type SafetyStatus =
  | { readonly state: 'pending' }
  | { readonly state: 'ready'; readonly code: SafetyCode }
  | { readonly state: 'dtls-failed' };

export type SafetyCheckEvents = {
  changed: (status: SafetyStatus, previous: SafetyStatus) => void;
};

/**
 * Watches one RTCPeerConnection and derives its safety code from the
 * negotiated descriptions once the connection is up. It only reads the
 * connection, so it sits beside the PeerLink rather than inside it.
 */
export class SafetyCheck extends TypedEmitter<SafetyCheckEvents> {
  readonly #pc: RTCPeerConnection;
  #status: SafetyStatus = { state: 'pending' };
  /** Derivation is async: only the latest one may set the status. */
  #generation = 0;
  #closed = false;
  readonly #abort = new AbortController();

  constructor(pc: RTCPeerConnection) {
    super();
    this.#pc = pc;
    const signal = this.#abort.signal;
    pc.addEventListener('connectionstatechange', () => void this.#update(), { signal });
    // A renegotiation could carry another certificate: look again whenever one settles.
    pc.addEventListener('signalingstatechange', () => void this.#update(), { signal });
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
    this.removeAllListeners();
  }

  async #update(): Promise<void> {
    const generation = ++this.#generation;
    const pc = this.#pc;
    if (this.#closed || pc.connectionState === 'closed') return;
    if (dtlsTransports(pc).some((transport) => transport.state === 'failed')) {
      this.#set({ state: 'dtls-failed' });
      return;
    }
    // Connected means DTLS checked the remote certificate against the remote description.
    // While disconnected or renegotiating, the last code stays: the DTLS session is the same.
    if (pc.connectionState !== 'connected' || pc.signalingState !== 'stable') return;
    const local = pc.currentLocalDescription?.sdp;
    const remote = pc.currentRemoteDescription?.sdp;
    if (!local || !remote) return;
    const code = await deriveSafetyCode(local, remote);
    if (generation !== this.#generation || this.#closed || !code) return;
    this.#set({ state: 'ready', code });
  }

  #set(next: SafetyStatus): void {
    const previous = this.#status;
    if (sameStatus(previous, next)) return;
    this.#status = next;
    if (next.state === 'dtls-failed') {
      console.warn('[parley] the encrypted session was refused: the certificate did not match the one signaling announced');
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
