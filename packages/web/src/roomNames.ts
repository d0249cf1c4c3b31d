import { MAX_ROOM_NAME_LENGTH, ROOM_NAME_PATTERN } from '@parley/protocol';
import { roomFromPath } from './routing';

/** No 0/o, 1/l/i: names are read aloud and typed from a screen. 31 symbols, ~4.95 bits each. */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const GROUPS = 4;
const GROUP_LENGTH = 4;

/** A new unguessable room name like `k7pq-3mzx-wd2h-9rtn`: 16 symbols, about 79 random bits. */
export function newRoomName(): string {
  const symbols: string[] = [];
  // Rejection sampling keeps every symbol equally likely (256 is not a multiple of 31).
  const limit = 256 - (256 % ALPHABET.length);
  while (symbols.length < GROUPS * GROUP_LENGTH) {
    for (const byte of crypto.getRandomValues(new Uint8Array(32))) {
      if (byte < limit && symbols.length < GROUPS * GROUP_LENGTH) symbols.push(ALPHABET[byte % ALPHABET.length] as string);
    }
  }
  const groups: string[] = [];
  for (let i = 0; i < GROUPS; i++) groups.push(symbols.slice(i * GROUP_LENGTH, (i + 1) * GROUP_LENGTH).join(''));
  return groups.join('-');
}

/** Accepts a room name or a pasted invite link; undefined when neither makes a valid room. */
export function parseRoomInput(input: string): string | undefined {
  const trimmed = input.trim();
  let candidate = trimmed;
  if (/^https?:\/\//i.test(trimmed)) {
    try {
      candidate = roomFromPath(new URL(trimmed).pathname) ?? '';
    } catch {
      // Not a URL after all: treat the text as a room name.
    }
  }
  return candidate.length <= MAX_ROOM_NAME_LENGTH && ROOM_NAME_PATTERN.test(candidate) ? candidate : undefined;
}
