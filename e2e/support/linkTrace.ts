import type { Page } from '@playwright/test';

/**
 * One sample of a page's first peer connection: what its video sender,
 * video receiver and selected candidate pair report (getStats), and its
 * ICE state. Counters are cumulative, as the browser gives them.
 */
export interface TraceSample {
  at: number;
  ice: RTCIceConnectionState;
  /** outbound-rtp, video */
  packetsSent: number;
  framesEncoded: number;
  keyFramesEncoded: number;
  framesSent: number;
  retransmittedPacketsSent: number;
  nackReceived: number;
  pliReceived: number;
  targetBitrate: number;
  frameWidth: number;
  /** inbound-rtp, video */
  packetsReceived: number;
  /** Frames whose packets all arrived (before the jitter buffer): more received than decoded means frames are held or dropped. */
  framesReceived: number;
  framesDecoded: number;
  framesDropped: number;
  keyFramesDecoded: number;
  /** Cumulative seconds (summed per emitted frame): per frame, how long frames waited in the jitter buffer and how long it aimed for. */
  jitterBufferDelay: number;
  jitterBufferTargetDelay: number;
  jitterBufferEmittedCount: number;
  pliSent: number;
  nackSent: number;
  /** the selected candidate pair */
  pairState: string;
  availableOutgoingBitrate: number;
  requestsSent: number;
  responsesReceived: number;
  consecutiveRequests: number;
}

/**
 * Samples every 100 ms inside the page, with no round trip per sample, until
 * the page closes; `traceSamples()` reads them. A diagnosis tool: the spec
 * prints the samples around a moment when a figure needs explaining.
 */
export async function startLinkTrace(page: Page): Promise<void> {
  await page.evaluate(() => {
    const pcs = (window as unknown as { __parleyPeerConnections: RTCPeerConnection[] }).__parleyPeerConnections;
    const samples: TraceSample[] = [];
    (window as unknown as { __traceSamples: TraceSample[] }).__traceSamples = samples;
    const num = (value: unknown) => (typeof value === 'number' ? value : 0);
    const sample = async () => {
      const at = Date.now();
      const pc = pcs.find((p) => p.connectionState !== 'closed');
      if (pc) {
        const s: TraceSample = {
          at,
          ice: pc.iceConnectionState,
          packetsSent: 0,
          framesEncoded: 0,
          keyFramesEncoded: 0,
          framesSent: 0,
          retransmittedPacketsSent: 0,
          nackReceived: 0,
          pliReceived: 0,
          targetBitrate: 0,
          frameWidth: 0,
          packetsReceived: 0,
          framesReceived: 0,
          framesDecoded: 0,
          framesDropped: 0,
          keyFramesDecoded: 0,
          jitterBufferDelay: 0,
          jitterBufferTargetDelay: 0,
          jitterBufferEmittedCount: 0,
          pliSent: 0,
          nackSent: 0,
          pairState: '',
          availableOutgoingBitrate: 0,
          requestsSent: 0,
          responsesReceived: 0,
          consecutiveRequests: 0,
        };
        const reports = await pc.getStats();
        let selectedPair = '';
        reports.forEach((r: Record<string, unknown>) => {
          if (r['type'] === 'transport') selectedPair = String(r['selectedCandidatePairId'] ?? '');
        });
        reports.forEach((r: Record<string, unknown>) => {
          if (r['type'] === 'outbound-rtp' && r['kind'] === 'video') {
            s.packetsSent += num(r['packetsSent']);
            s.framesEncoded += num(r['framesEncoded']);
            s.keyFramesEncoded += num(r['keyFramesEncoded']);
            s.framesSent += num(r['framesSent']);
            s.retransmittedPacketsSent += num(r['retransmittedPacketsSent']);
            s.nackReceived += num(r['nackCount']);
            s.pliReceived += num(r['pliCount']);
            s.targetBitrate += num(r['targetBitrate']);
            s.frameWidth = Math.max(s.frameWidth, num(r['frameWidth']));
          }
          if (r['type'] === 'inbound-rtp' && r['kind'] === 'video') {
            s.packetsReceived += num(r['packetsReceived']);
            s.framesReceived += num(r['framesReceived']);
            s.framesDecoded += num(r['framesDecoded']);
            s.framesDropped += num(r['framesDropped']);
            s.keyFramesDecoded += num(r['keyFramesDecoded']);
            s.jitterBufferDelay += num(r['jitterBufferDelay']);
            s.jitterBufferTargetDelay += num(r['jitterBufferTargetDelay']);
            s.jitterBufferEmittedCount += num(r['jitterBufferEmittedCount']);
            s.pliSent += num(r['pliCount']);
            s.nackSent += num(r['nackCount']);
          }
          if (r['type'] === 'candidate-pair' && r['id'] === selectedPair) {
            s.pairState = String(r['state'] ?? '');
            s.availableOutgoingBitrate = num(r['availableOutgoingBitrate']);
            s.requestsSent = num(r['requestsSent']);
            s.responsesReceived = num(r['responsesReceived']);
            s.consecutiveRequests = num(r['consecutiveRequestsSent']);
          }
        });
        samples.push(s);
      }
      setTimeout(() => void sample(), Math.max(0, 100 - (Date.now() - at)));
    };
    void sample();
  });
}

export async function traceSamples(page: Page): Promise<TraceSample[]> {
  return page.evaluate(() => (window as unknown as { __traceSamples: TraceSample[] }).__traceSamples);
}

/**
 * The samples from `from` to `to` as lines of text, times relative to `zero`
 * and counters as increments since the previous sample.
 */
export function formatTrace(samples: readonly TraceSample[], zero: number, from: number, to: number): string[] {
  const lines = ['   t ms ice          | sent pk  enc key sent rtx nack pli tgtkbps  w | recv pk rcvd dec key drop pli nack jbms tgtms | pair      avail kbps req rsp'];
  let previous: TraceSample | undefined;
  for (const s of samples) {
    if (s.at < from) {
      previous = s;
      continue;
    }
    if (s.at > to) break;
    const d = (key: keyof TraceSample) => (previous ? Number(s[key]) - Number(previous[key]) : 0);
    const pad = (value: number | string, width: number) => String(value).padStart(width);
    // Jitter buffer: ms per frame emitted in this interval (wait, and the buffer's target), blank when none was.
    const emitted = d('jitterBufferEmittedCount');
    const perFrame = (key: 'jitterBufferDelay' | 'jitterBufferTargetDelay') => (emitted > 0 ? Math.round((d(key) * 1_000) / emitted) : '');
    lines.push(
      `${pad(s.at - zero, 7)} ${s.ice.padEnd(12)} | ${pad(d('packetsSent'), 7)} ${pad(d('framesEncoded'), 4)} ${pad(d('keyFramesEncoded'), 3)} ${pad(d('framesSent'), 4)} ` +
        `${pad(d('retransmittedPacketsSent'), 3)} ${pad(d('nackReceived'), 4)} ${pad(d('pliReceived'), 3)} ${pad(Math.round(s.targetBitrate / 1000), 7)} ${pad(s.frameWidth, 4)} | ` +
        `${pad(d('packetsReceived'), 7)} ${pad(d('framesReceived'), 4)} ${pad(d('framesDecoded'), 3)} ${pad(d('keyFramesDecoded'), 3)} ${pad(d('framesDropped'), 4)} ${pad(d('pliSent'), 3)} ${pad(d('nackSent'), 4)} ${pad(perFrame('jitterBufferDelay'), 4)} ${pad(perFrame('jitterBufferTargetDelay'), 5)} | ` +
        `${s.pairState.padEnd(9)} ${pad(Math.round(s.availableOutgoingBitrate / 1000), 10)} ${pad(d('requestsSent'), 3)} ${pad(d('responsesReceived'), 3)}`,
    );
    previous = s;
  }
  return lines;
}

/** Keyframes the page's video sender encoded from `from` to `to`, as far as samples 100 ms apart can tell. */
export function keyFramesEncodedBetween(samples: readonly TraceSample[], from: number, to: number): number {
  const before = samples.filter((s) => s.at <= from).at(-1);
  const last = samples.filter((s) => s.at <= to).at(-1);
  return before && last ? last.keyFramesEncoded - before.keyFramesEncoded : 0;
}
