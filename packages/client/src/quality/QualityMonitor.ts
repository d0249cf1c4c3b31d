import type { LinkReport } from '@parley/protocol';
import { measureLink, type LinkCounters, type LinkQuality } from './measureLink.js';

/** Audio level below which nobody counts as speaking (fans, breathing). */
const SPEAKING_FLOOR = 0.02;

export interface MeasuredLink {
  id: string;
  pc: RTCPeerConnection;
  /** A muted participant never counts as the speaker, whatever leaks through. */
  muted: boolean;
}

export interface QualitySample {
  qualities: Map<string, LinkQuality>;
  /** Our view of each link, in the shape shared with the others. */
  reports: LinkReport[];
  /** The loudest participant above the floor (our own id included), or null. */
  activeSpeaker: string | null;
}

/**
 * Turns getStats() of every link into qualities, shareable reports and the
 * active speaker. Transport-free: the Room decides when to sample and where the
 * results go.
 */
export class QualityMonitor {
  readonly #counters = new Map<string, LinkCounters>();

  constructor(private readonly selfId: string) {}

  async sample(links: readonly MeasuredLink[], selfMuted: boolean): Promise<QualitySample> {
    const measured = await Promise.all(
      links.map(async (link) => {
        try {
          const { quality, counters } = await measureLink(link.pc, this.#counters.get(link.id));
          this.#counters.set(link.id, counters);
          return { link, quality };
        } catch {
          // The link closed while being measured; it is gone next round.
          return undefined;
        }
      }),
    );
    const qualities = new Map<string, LinkQuality>();
    const reports: LinkReport[] = [];
    let speaker = { id: null as string | null, level: SPEAKING_FLOOR };
    let ownLevel = 0;
    for (const entry of measured) {
      if (!entry) continue;
      const { link, quality } = entry;
      qualities.set(link.id, quality);
      const { rttMs, lossPercent, path, transport, level } = quality;
      reports.push({ peerId: link.id, rttMs, lossPercent, path, transport, level });
      if (!link.muted && quality.audioLevel > speaker.level) speaker = { id: link.id, level: quality.audioLevel };
      ownLevel = Math.max(ownLevel, quality.sentAudioLevel);
    }
    if (!selfMuted && ownLevel > speaker.level) speaker = { id: this.selfId, level: ownLevel };
    return { qualities, reports, activeSpeaker: speaker.id };
  }

  forget(id: string): void {
    this.#counters.delete(id);
  }
}
