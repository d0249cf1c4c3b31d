/**
 * A man in the middle made of the SDK's own PeerLinks, for the safety-code
 * tests. A lying signaling server diverts every signal of a pair (A, B) to
 * it; it answers A as if it were B and calls B as if it were A, so it holds
 * two DTLS sessions with two certificates of its own, and relays media and
 * data-channel messages between them. Both people see a working call; only
 * the safety codes can tell.
 */
import * as parley from '@parley/client';
import type { MediaKind, PeerLink } from '@parley/client';

export type SignalPayload = Parameters<PeerLink['handleSignal']>[0];

/** Hands a signal to participant `to` as if `from` had sent it. */
export type Deliver = (from: string, to: string, signal: SignalPayload) => void;

/** What the middle does to a data-channel message it passes on (the default: nothing). */
export type Rewrite = (text: string) => string;

export class Middle {
  /** Per pair (ids sorted, joined by `|`): the link facing each of the two ids. */
  readonly #pairs = new Map<string, Map<string, PeerLink>>();
  #closed = false;

  constructor(
    private readonly deliver: Deliver,
    private readonly iceServers: RTCIceServer[] = [],
    private readonly rewrite: Rewrite = (text) => text,
  ) {}

  /** A signal `from` addressed to `to`, diverted here: the link facing `from` takes it. */
  handle(from: string, to: string, signal: SignalPayload): void {
    if (this.#closed) return;
    void this.#pair(from, to).get(from)?.handleSignal(signal);
  }

  /** Every link the middle holds, two per pair it sits in. */
  get links(): PeerLink[] {
    return [...this.#pairs.values()].flatMap((pair) => [...pair.values()]);
  }

  close(): void {
    this.#closed = true;
    for (const link of this.links) link.close();
    this.#pairs.clear();
  }

  #pair(a: string, b: string): Map<string, PeerLink> {
    const key = [a, b].sort().join('|');
    let pair = this.#pairs.get(key);
    if (!pair) {
      pair = this.#open(a, b);
      this.#pairs.set(key, pair);
    }
    return pair;
  }

  /** Two links: the one facing `remote` plays `self`, with the role `self` would have (Room's polite rule). */
  #open(a: string, b: string): Map<string, PeerLink> {
    const pair = new Map<string, PeerLink>();
    for (const [self, remote] of [
      [b, a],
      [a, b],
    ] as const) {
      const link = new parley.PeerLink({
        remoteId: remote,
        polite: self < remote,
        iceServers: this.iceServers,
        localStream: new MediaStream(),
        tracks: { audio: null, video: null },
      });
      link.on('signal', (signal) => this.deliver(self, remote, signal));
      pair.set(remote, link);
    }
    const facingA = pair.get(a) as PeerLink;
    const facingB = pair.get(b) as PeerLink;
    for (const [from, to] of [
      [facingA, facingB],
      [facingB, facingA],
    ] as const) {
      // What one side sends is what the middle sends on to the other: the call works.
      from.on('track', (track) => void to.replaceTrack(track.kind as MediaKind, track));
      // A message that comes before the other channel is open waits for it: a careful middle loses nothing.
      const waiting: string[] = [];
      from.on('message', (original) => {
        const text = this.rewrite(original);
        if (waiting.length > 0 || !to.send(text)) waiting.push(text);
      });
      to.on('channel-open', () => {
        while (waiting.length > 0 && to.send(waiting[0] as string)) waiting.shift();
      });
    }
    return pair;
  }
}

