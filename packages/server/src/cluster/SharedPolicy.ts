import { PasswordHash } from '../PasswordHash.js';
import type { RoomPolicy } from '../RoomPolicy.js';

/**
 * The part of a room's rules every node enforces, as Redis keeps it beside
 * the room's members: its password hash (salted scrypt, never the password)
 * and whether newcomers wait in the lobby. The hosts are a set of their own
 * (`ClusterKeys.hosts`), the waiters a hash (`ClusterKeys.lobby`).
 */
export interface SharedPolicy {
  password: PasswordHash | undefined;
  lobby: boolean;
}

export function encodeSharedPolicy(policy: RoomPolicy): string {
  const password = policy.password?.encode();
  return JSON.stringify({ ...(password === undefined ? {} : { password }), ...(policy.lobby ? { lobby: true } : {}) });
}

/**
 * Undefined for text this code did not write: the caller refuses the join
 * rather than let someone in past a password it cannot read.
 */
export function decodeSharedPolicy(text: string): SharedPolicy | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { password: encoded, lobby } = value as { password?: unknown; lobby?: unknown };
  if (lobby !== undefined && typeof lobby !== 'boolean') return undefined;
  if (encoded === undefined) return { password: undefined, lobby: lobby === true };
  if (typeof encoded !== 'string') return undefined;
  const password = PasswordHash.decode(encoded);
  return password ? { password, lobby: lobby === true } : undefined;
}
