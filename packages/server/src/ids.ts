import { randomBytes } from 'node:crypto';

/** 72 random bits, URL-safe: unguessable, so knowing an id grants nothing. */
export function newParticipantId(): string {
  return randomBytes(9).toString('base64url');
}
