import type { Page } from '@playwright/test';

/** What one page received on each of its peer connections at one moment (wall clock, ms). */
export interface MediaSample {
  at: number;
  /** Per peer connection, in creation order: video frames decoded and audio bytes received so far. */
  links: { frames: number; audioBytes: number }[];
}

/**
 * Samples `framesDecoded` and audio `bytesReceived` of every peer connection
 * in the page every 100 ms, inside the page (no round trip per sample), until
 * the page closes. Read the samples with `mediaSamples()`.
 */
export async function startMediaSampling(page: Page): Promise<void> {
  await page.evaluate(() => {
    const pcs = (window as unknown as { __parleyPeerConnections: RTCPeerConnection[] }).__parleyPeerConnections;
    const samples: MediaSample[] = [];
    (window as unknown as { __mediaSamples: MediaSample[] }).__mediaSamples = samples;
    const sample = async () => {
      const at = Date.now();
      const links = await Promise.all(
        pcs.map(async (pc) => {
          const link = { frames: 0, audioBytes: 0 };
          if (pc.connectionState === 'closed') return link;
          (await pc.getStats()).forEach((r: Record<string, unknown>) => {
            if (r['type'] !== 'inbound-rtp') return;
            if (r['kind'] === 'video') link.frames += Number(r['framesDecoded'] ?? 0);
            if (r['kind'] === 'audio') link.audioBytes += Number(r['bytesReceived'] ?? 0);
          });
          return link;
        }),
      );
      samples.push({ at, links });
      setTimeout(() => void sample(), Math.max(0, 100 - (Date.now() - at)));
    };
    void sample();
  });
}

export async function mediaSamples(page: Page): Promise<MediaSample[]> {
  return page.evaluate(() => (window as unknown as { __mediaSamples: MediaSample[] }).__mediaSamples);
}

/**
 * When media came back after `since`: the first sample in which some peer
 * connection had decoded at least `minFrames` more video frames and received
 * more audio than in the last sample taken at or before `since`. Null if it never did.
 */
export function mediaBackAt(samples: readonly MediaSample[], since: number, minFrames = 3): number | null {
  const base = [...samples].reverse().find((s) => s.at <= since);
  if (!base) return null;
  for (const s of samples) {
    if (s.at <= since) continue;
    const back = s.links.some((link, i) => {
      const before = base.links[i] ?? { frames: 0, audioBytes: 0 };
      return link.frames >= before.frames + minFrames && link.audioBytes > before.audioBytes;
    });
    if (back) return s.at;
  }
  return null;
}
