import { PasswordHash } from '../PasswordHash.js';
import type { RoomPolicy } from '../RoomPolicy.js';

/**
 * The part of a room's rules every node enforces, as Redis keeps it beside
 * the room's members: its password hash (salted scrypt, never the password).
 * The lobby and the hosts stay with the node that holds them.
 */
export interface SharedPolicy {
  password: PasswordHash | undefined;
}

export function encodeSharedPolicy(policy: RoomPolicy): string {
  const password = policy.password?.encode();
  return JSON.stringify(password === undefined ? {} : { password });
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
  const encoded = (value as { password?: unknown }).password;
  if (encoded === undefined) return { password: undefined };
  if (typeof encoded !== 'string') return undefined;
  const password = PasswordHash.decode(encoded);
  return password ? { password } : undefined;
}
