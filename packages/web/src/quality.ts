import type { PathKind } from '@parley/client';

/** "direct over UDP", "through NAT over UDP", "relayed over TCP". */
export function describePath(path: PathKind | null, transport: 'udp' | 'tcp' | null): string {
  if (!path) return 'path unknown';
  const how = { direct: 'direct', nat: 'through NAT', relay: 'relayed' }[path];
  return transport ? `${how} over ${transport.toUpperCase()}` : how;
}
