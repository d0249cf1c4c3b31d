import type { IceServer, PeerId } from '@parley/protocol';
import type { ServerConfig } from './config.js';

/** Hands out the ICE servers a participant should use, given at join time. */
export type IceServerProvider = (participantId: PeerId) => IceServer[];

export function iceServerProvider(config: Pick<ServerConfig, 'stunUrls'>): IceServerProvider {
  const stun: IceServer[] = config.stunUrls.length > 0 ? [{ urls: [...config.stunUrls] }] : [];
  return () => stun.map((server) => ({ ...server }));
}
