import { WebSocket } from 'ws';

/**
 * Flow control for what clients send toward the other nodes. While this
 * node's bus is `congested` (NodeBus: more waits for Redis than its
 * high-water mark, and Redis keeps taking it), no client socket is read:
 * what clients send waits in TCP, their own buffers fill, and they slow down,
 * instead of the server refusing their signals with `unavailable` once the
 * backlog's hard bound is reached. Writes to the clients go on.
 *
 * Every socket is paused, not only those that just sent: a socket's last read
 * is handled whole even after a pause (ws hands out what it has buffered), so
 * pausing a socket only when it speaks would still let each of thousands of
 * clients land a read's worth on the backlog; pausing all of them at once
 * leaves only what the current turn has already read.
 */
export class ReadPause {
  #engaged = false;
  readonly #paused = new Set<WebSocket>();

  get engaged(): boolean {
    return this.#engaged;
  }

  /** Sockets not being read now. */
  get pausedCount(): number {
    return this.#paused.size;
  }

  /** Stops reading `sockets`, and every socket `add`ed until `release`. */
  engage(sockets: Iterable<WebSocket>): void {
    if (this.#engaged) return;
    this.#engaged = true;
    for (const ws of sockets) this.add(ws);
  }

  /** A socket accepted while engaged waits too (its first words may be signals). */
  add(ws: WebSocket): void {
    if (!this.#engaged || ws.readyState !== WebSocket.OPEN || this.#paused.has(ws)) return;
    ws.pause();
    this.#paused.add(ws);
  }

  /** The socket closed: nothing to resume. */
  forget(ws: WebSocket): void {
    this.#paused.delete(ws);
  }

  /** Reads every paused socket again. Safe to call when not engaged. */
  release(): void {
    if (!this.#engaged) return;
    this.#engaged = false;
    for (const ws of this.#paused) ws.resume();
    this.#paused.clear();
  }
}
