import type { PingMessage } from './client-messages.js';
import { MAX_REQUEST_ID } from './limits.js';

/**
 * Every idle browser asks `ping` every few seconds, so it is most of what a
 * server of quiet calls reads, and the schema walk costs more than the
 * answer. This accepts, by hand, exactly PingMessageSchema's shape — `type`
 * and an integer `id` in range, no other key — and returns the message as
 * is; anything else gets `undefined` and goes through the schema, which
 * decides and explains (the codec tests hold the two to the same verdicts).
 */
export function fastPingMessage(raw: Record<string, unknown>): PingMessage | undefined {
  let keys = 0;
  for (const key in raw) {
    if (key !== 'type' && key !== 'id') return undefined;
    keys++;
  }
  const id = raw['id'];
  if (keys !== 2 || raw['type'] !== 'ping') return undefined;
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 && id <= MAX_REQUEST_ID ? (raw as PingMessage) : undefined;
}
