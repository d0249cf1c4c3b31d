/** What firstNegotiation reads of a participant (RemoteParticipant has it). */
export interface NegotiatingPeer {
  readonly negotiated: boolean;
  on(event: 'negotiated', listener: () => void): () => void;
}

/**
 * Resolves once the first offer and answer with everyone in `participants`
 * have gone through, or after `maxMs`, whichever comes first; never rejects.
 *
 * Why an app would wait for it: a page's main thread runs every step of the
 * offer and answer (descriptions, candidates, the signaling messages), while
 * ICE checks, DTLS and the encoder's start run on WebRTC's own threads. A
 * big render right after joining (a whole call view: tiles, layout, paint,
 * 130–250 ms on a loaded two-core machine) holds back whichever description
 * reaches the page meanwhile, and with it the whole call; rendered after
 * this, it overlaps the part of the start that does not need the page
 * (docs/benchmarks.md, "Where Parley's extra time goes"). `maxMs` bounds
 * the wait for a peer that is slow or unreachable.
 */
export function firstNegotiation(participants: ReadonlyMap<string, NegotiatingPeer>, maxMs: number): Promise<void> {
  const pending = [...participants.values()].filter((participant) => !participant.negotiated);
  if (pending.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const subs: (() => void)[] = [];
    let left = pending.length;
    const done = () => {
      clearTimeout(timer);
      for (const off of subs) off();
      resolve();
    };
    const timer = setTimeout(done, maxMs);
    for (const participant of pending) {
      subs.push(
        participant.on('negotiated', () => {
          if (--left === 0) done();
        }),
      );
    }
  });
}
