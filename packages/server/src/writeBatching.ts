import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/**
 * Coalesces what the server writes to one socket within one turn of the event
 * loop into a single write. A call setup sends a dozen messages back to back
 * (an offer, then its candidates), they reach us in one read, and each relayed
 * message used to cost its own write system call to the receiver. Corking the
 * receiver's TCP stream until the end of the current turn sends them in one
 * writev, in the same order, with no timer and no added wait.
 */
const streams = new WeakMap<WebSocket, Duplex>();
const corked = new WeakSet<Duplex>();

/** The TCP stream under a WebSocket, as the HTTP upgrade handed it to us. */
export function rememberStream(ws: WebSocket, stream: Duplex): void {
  streams.set(ws, stream);
}

/** Holds the socket's writes until the current turn's work is done; safe to call for every message. */
export function batchWritesThisTurn(ws: WebSocket): void {
  const stream = streams.get(ws);
  if (!stream || stream.destroyed || corked.has(stream)) return;
  corked.add(stream);
  stream.cork();
  process.nextTick(() => {
    corked.delete(stream);
    if (!stream.destroyed) stream.uncork();
  });
}
