import { createHmac } from 'node:crypto';
import type { IceServer, PeerId } from '@parley/protocol';
import type { ServerConfig } from './config.js';

export interface IceServerGrant {
  iceServers: IceServer[];
  /** How long the TURN credentials stay valid; undefined when there are none. */
  validForMs?: number;
}

/** Hands out the ICE servers a participant should use: at join, and again on `ice-servers`. */
export type IceServerProvider = (participantId: PeerId) => IceServerGrant;

/**
 * TURN REST API credentials (draft-uberti-behave-turn-rest, as coturn's
 * `use-auth-secret` checks them): username `<expiry-unix-seconds>:<id>`,
 * password base64(HMAC-SHA1(secret, username)). coturn recomputes the password
 * from the username, so nothing is stored, and refuses the username once the
 * expiry has passed (checked when an allocation is made or refreshed).
 */
export function turnRestCredential(secret: string | Buffer, participantId: PeerId, ttlSeconds: number, nowMs = Date.now()) {
  const expiry = Math.floor(nowMs / 1000) + ttlSeconds;
  const username = `${expiry}:${participantId}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

export function iceServerProvider(config: Pick<ServerConfig, 'stunUrls' | 'turnUrls' | 'turnSecret' | 'turnTtlSeconds'>): IceServerProvider {
  const stun: IceServer[] = config.stunUrls.length > 0 ? [{ urls: [...config.stunUrls] }] : [];
  if (config.turnUrls.length === 0) return () => ({ iceServers: stun.map((server) => ({ ...server })) });
  // Keyed by bytes made once: an HMAC keyed by a string converts it on every call (3-4× the cost of the HMAC itself).
  const secret = Buffer.from(config.turnSecret);
  return (participantId) => ({
    iceServers: [
      ...stun.map((server) => ({ ...server })),
      { urls: [...config.turnUrls], ...turnRestCredential(secret, participantId, config.turnTtlSeconds) },
    ],
    validForMs: config.turnTtlSeconds * 1000,
  });
}
