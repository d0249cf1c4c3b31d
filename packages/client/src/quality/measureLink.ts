import type { LinkReport } from '@parley/protocol';

export type PathKind = NonNullable<LinkReport['path']>;
export type QualityLevel = LinkReport['level'];

/** What a person needs to judge one link: is it fast, is it losing, how does it go. */
export interface LinkQuality {
  rttMs: number | null;
  /** Share of inbound packets lost since the previous measurement. */
  lossPercent: number | null;
  inboundKbps: number;
  outboundKbps: number;
  /** direct: host to host; nat: through address translation (srflx/prflx); relay: through TURN. */
  path: PathKind | null;
  transport: 'udp' | 'tcp' | null;
  level: QualityLevel;
  /** Their audio level over the last interval (RMS, 0..1), for the active speaker. */
  audioLevel: number;
  /** Our own microphone's level over the last interval as this link sends it (RMS, 0..1). */
  sentAudioLevel: number;
}

/** Counters kept between measurements to turn totals into rates. */
export interface LinkCounters {
  at: number;
  bytesIn: number;
  bytesOut: number;
  packetsReceived: number;
  packetsLost: number;
  /** totalAudioEnergy and totalSamplesDuration, received and sent: their deltas give a level over the interval. */
  energyIn: number;
  durationIn: number;
  energyOut: number;
  durationOut: number;
}

/**
 * Thresholds for the badge: above 400 ms round trip or 5 % loss a call is hard
 * to hold (ITU-T G.114 puts the limit for conversation at ~400 ms one way;
 * video freezes visibly past a few percent loss).
 */
const POOR = { rttMs: 400, lossPercent: 5 };
const FAIR = { rttMs: 200, lossPercent: 1 };

type Report = Record<string, unknown>;

/** Reads one RTCPeerConnection's getStats() into a LinkQuality. */
export async function measureLink(pc: RTCPeerConnection, previous?: LinkCounters): Promise<{ quality: LinkQuality; counters: LinkCounters }> {
  const reports = new Map<string, Report>();
  (await pc.getStats()).forEach((report: Report) => reports.set(report['id'] as string, report));
  const all = [...reports.values()];
  const transport = all.find((r) => r['type'] === 'transport' && r['selectedCandidatePairId']);
  const pair = transport ? reports.get(transport['selectedCandidatePairId'] as string) : undefined;
  const local = pair ? reports.get(pair['localCandidateId'] as string) : undefined;
  const remote = pair ? reports.get(pair['remoteCandidateId'] as string) : undefined;

  const sum = (type: string, field: string) =>
    all.filter((r) => r['type'] === type).reduce((total, r) => total + Number(r[field] ?? 0), 0);
  const audio = all.find((r) => r['type'] === 'inbound-rtp' && r['kind'] === 'audio');
  const microphone = all.find((r) => r['type'] === 'media-source' && r['kind'] === 'audio');
  const counters: LinkCounters = {
    energyIn: Number(audio?.['totalAudioEnergy'] ?? 0),
    durationIn: Number(audio?.['totalSamplesDuration'] ?? 0),
    energyOut: Number(microphone?.['totalAudioEnergy'] ?? 0),
    durationOut: Number(microphone?.['totalSamplesDuration'] ?? 0),
    at: performance.now(),
    bytesIn: sum('inbound-rtp', 'bytesReceived'),
    bytesOut: sum('outbound-rtp', 'bytesSent'),
    packetsReceived: sum('inbound-rtp', 'packetsReceived'),
    packetsLost: sum('inbound-rtp', 'packetsLost'),
  };
  const seconds = previous ? (counters.at - previous.at) / 1000 : 0;
  const kbps = (bytes: number) => (seconds > 0 ? Math.max(0, (bytes * 8) / 1000 / seconds) : 0);
  let lossPercent: number | null = null;
  if (previous) {
    const lost = counters.packetsLost - previous.packetsLost;
    const expected = lost + (counters.packetsReceived - previous.packetsReceived);
    lossPercent = expected > 0 ? Math.max(0, (lost / expected) * 100) : 0;
  }
  const rtt = pair?.['currentRoundTripTime'];
  const rttMs = typeof rtt === 'number' ? Math.round(rtt * 1000) : null;

  const quality: LinkQuality = {
    rttMs,
    lossPercent: lossPercent === null ? null : Math.round(lossPercent * 10) / 10,
    inboundKbps: Math.round(kbps(counters.bytesIn - (previous?.bytesIn ?? counters.bytesIn))),
    outboundKbps: Math.round(kbps(counters.bytesOut - (previous?.bytesOut ?? counters.bytesOut))),
    path: pathOf(local, remote),
    transport: transportOf(local),
    level: levelOf(rttMs, lossPercent),
    audioLevel: rmsLevel(counters.energyIn - (previous?.energyIn ?? 0), counters.durationIn - (previous?.durationIn ?? 0)),
    sentAudioLevel: rmsLevel(counters.energyOut - (previous?.energyOut ?? 0), counters.durationOut - (previous?.durationOut ?? 0)),
  };
  return { quality, counters };
}

/**
 * webrtc-stats defines totalAudioEnergy as the sum of level² × duration, so
 * over an interval the RMS level is sqrt(Δenergy / Δduration): a steadier
 * signal than the instantaneous audioLevel, which misses speech between samples.
 */
function rmsLevel(energy: number, duration: number): number {
  return duration > 0 && energy > 0 ? Math.sqrt(energy / duration) : 0;
}

function pathOf(local: Report | undefined, remote: Report | undefined): PathKind | null {
  if (!local || !remote) return null;
  const types = [local['candidateType'], remote['candidateType']];
  if (types.includes('relay')) return 'relay';
  if (types.every((type) => type === 'host')) return 'direct';
  return 'nat';
}

/** How our packets travel: to a TURN server, what we speak to it; otherwise the pair's own protocol. */
function transportOf(local: Report | undefined): 'udp' | 'tcp' | null {
  const protocol = local?.['candidateType'] === 'relay' ? local['relayProtocol'] : local?.['protocol'];
  return protocol === 'udp' || protocol === 'tcp' ? protocol : protocol === 'tls' ? 'tcp' : null;
}

function levelOf(rttMs: number | null, lossPercent: number | null): QualityLevel {
  if (rttMs === null && lossPercent === null) return 'unknown';
  if ((rttMs ?? 0) > POOR.rttMs || (lossPercent ?? 0) > POOR.lossPercent) return 'poor';
  if ((rttMs ?? 0) > FAIR.rttMs || (lossPercent ?? 0) > FAIR.lossPercent) return 'fair';
  return 'good';
}
