import { TypedEmitter } from '@parley/protocol';
import type { LinkReport } from '@parley/protocol';

export interface MeshLink {
  /** The two participants, in a stable order. */
  a: string;
  b: string;
  /** What each end reports of this link; null until it has said. */
  fromA: LinkReport | null;
  fromB: LinkReport | null;
}

export type MeshQualityEvents = { changed: () => void };

/**
 * The whole mesh as everyone reports it: each participant measures its own
 * links and shares them over the data channels, so anyone can see which pair
 * is bad, including pairs they are not part of.
 */
export class MeshQuality extends TypedEmitter<MeshQualityEvents> {
  readonly #reports = new Map<string, LinkReport[]>();

  /** @internal */
  report(reporterId: string, links: LinkReport[]): void {
    this.#reports.set(reporterId, links);
    this.emit('changed');
  }

  /** @internal */
  forget(participantId: string): void {
    this.#reports.delete(participantId);
    this.emit('changed');
  }

  /** Every pair among `participants`, with each end's report of it. */
  links(participants: readonly string[]): MeshLink[] {
    const links: MeshLink[] = [];
    const sorted = [...participants].sort();
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i + 1; j < sorted.length; j++) {
        const a = sorted[i] as string;
        const b = sorted[j] as string;
        links.push({ a, b, fromA: this.#find(a, b), fromB: this.#find(b, a) });
      }
    }
    return links;
  }

  #find(reporter: string, peer: string): LinkReport | null {
    return this.#reports.get(reporter)?.find((link) => link.peerId === peer) ?? null;
  }
}
