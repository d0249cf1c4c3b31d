import type { Frame, ProxiedClient, ProxyRules, SignalingProxy } from './SignalingProxy.js';

function description(frame: Frame): { type: string; sdp: string } | null {
  if (frame['type'] !== 'signal') return null;
  const signal = frame['signal'] as { description?: { type: string; sdp: string } } | undefined;
  return signal?.description ?? null;
}

/**
 * The crude attack: swap every certificate fingerprint in relayed offers and
 * answers for one no certificate has (each byte inverted). Each side then
 * expects a certificate the other does not hold, so DTLS must refuse.
 */
export class FingerprintRewriter implements ProxyRules {
  rewritten = 0;

  toServer(frame: Frame): Frame {
    const desc = description(frame);
    if (!desc) return frame;
    const sdp = desc.sdp.replace(/^(a=fingerprint:\S+ )([0-9A-Fa-f:]+)/gm, (_line, head: string, hex: string) => {
      this.rewritten++;
      return head + hex.split(':').map((byte) => (0xff - parseInt(byte, 16)).toString(16).padStart(2, '0').toUpperCase()).join(':');
    });
    return { ...frame, signal: { description: { ...desc, sdp } } };
  }
}

/** A signal as the middle sees it: who sent it, to whom, and what. */
export interface DivertedSignal {
  from: string;
  to: string;
  signal: unknown;
}

/**
 * The real attack: every signal between participants goes to a man in the
 * middle instead of its addressee, and what the middle sends comes to the
 * addressee stamped as from the other participant, as a lying server would
 * stamp it. Until a middle is attached, signals pass normally.
 */
export class MiddleDiversion implements ProxyRules {
  diverted = 0;
  forged = 0;
  #middle: ((signal: DivertedSignal) => void) | null = null;

  /** From now on, every signal goes to `middle`. */
  attach(middle: (signal: DivertedSignal) => void): void {
    this.#middle = middle;
  }

  toServer(frame: Frame, client: ProxiedClient): Frame | null {
    if (frame['type'] !== 'signal' || !client.selfId || !this.#middle) return frame;
    this.#middle({ from: client.selfId, to: String(frame['to']), signal: frame['signal'] });
    this.diverted++;
    return null;
  }

  /** What the middle sends: handed to `to` as the server would hand a signal from `from`. */
  forge(proxy: SignalingProxy, { from, to, signal }: DivertedSignal): void {
    const addressee = proxy.client(to);
    if (!addressee) return;
    addressee.inject({ type: 'signal', from, signal });
    this.forged++;
  }
}
