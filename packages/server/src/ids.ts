import { randomBase64url } from './randomText.js';

/** 72 random bits, URL-safe: unguessable, so knowing an id grants nothing. */
export function newParticipantId(): string {
  return randomBase64url(9);
}
