import type { Page } from '@playwright/test';

export interface CandidateInfo {
  candidateType: string;
  protocol: string;
  relayProtocol?: string;
  address: string;
  port: number;
}

export interface SelectedPath {
  local: CandidateInfo;
  remote: CandidateInfo;
}

/** The candidate pair ICE selected on the page's first peer connection, from getStats(). */
export async function selectedPath(page: Page, index = 0): Promise<SelectedPath | null> {
  return page.evaluate(async (index) => {
    const pc = (window as unknown as { __parleyPeerConnections: RTCPeerConnection[] }).__parleyPeerConnections[index];
    if (!pc) return null;
    const reports = new Map<string, Record<string, unknown>>();
    (await pc.getStats()).forEach((report: Record<string, unknown>) => reports.set(report['id'] as string, report));
    const transport = [...reports.values()].find((r) => r['type'] === 'transport' && r['selectedCandidatePairId']);
    const pair = transport ? reports.get(transport['selectedCandidatePairId'] as string) : undefined;
    if (!pair) return null;
    const describe = (id: unknown) => {
      const c = reports.get(id as string) ?? {};
      return {
        candidateType: String(c['candidateType']),
        protocol: String(c['protocol']),
        ...(c['relayProtocol'] ? { relayProtocol: String(c['relayProtocol']) } : {}),
        address: String(c['address'] ?? c['ip']),
        port: Number(c['port']),
      };
    };
    return { local: describe(pair['localCandidateId']), remote: describe(pair['remoteCandidateId']) };
  }, index);
}

/** Every candidate the page's first peer connection received from the other side. */
export async function remoteCandidates(page: Page): Promise<{ candidateType: string; address: string }[]> {
  return page.evaluate(async () => {
    const pc = (window as unknown as { __parleyPeerConnections: RTCPeerConnection[] }).__parleyPeerConnections[0];
    const found: { candidateType: string; address: string }[] = [];
    (await pc?.getStats())?.forEach((r: Record<string, unknown>) => {
      if (r['type'] === 'remote-candidate') found.push({ candidateType: String(r['candidateType']), address: String(r['address'] ?? r['ip']) });
    });
    return found;
  });
}
