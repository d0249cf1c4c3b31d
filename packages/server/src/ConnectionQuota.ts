import type { IncomingMessage } from 'node:http';

/**
 * Open connections per client address. One address may hold a household's or
 * an office's tabs, so the limit is generous; it stops one host from holding
 * thousands of idle sockets (each costs memory and a file descriptor).
 */
export class ConnectionQuota {
  readonly #open = new Map<string, number>();

  /** `limit` 0 means no limit (counted all the same, for metrics). */
  constructor(private readonly limit: number) {}

  /** Counts a new connection from `address`; false (and nothing counted) when it is over the limit. */
  acquire(address: string): boolean {
    const open = this.#open.get(address) ?? 0;
    if (this.limit > 0 && open >= this.limit) return false;
    this.#open.set(address, open + 1);
    return true;
  }

  release(address: string): void {
    const open = this.#open.get(address) ?? 0;
    if (open <= 1) this.#open.delete(address);
    else this.#open.set(address, open - 1);
  }

  /** How many addresses hold at least one connection. */
  get addressCount(): number {
    return this.#open.size;
  }
}

/**
 * The address a connection comes from. Behind a reverse proxy every socket
 * comes from the proxy, which appends the real client to X-Forwarded-For: the
 * last entry is the one our proxy wrote (earlier ones are the client's word).
 */
export function clientAddress(request: IncomingMessage, trustProxy: boolean): string {
  const direct = request.socket.remoteAddress ?? 'unknown';
  if (!trustProxy) return direct;
  const forwarded = request.headers['x-forwarded-for'];
  const value = Array.isArray(forwarded) ? forwarded.at(-1) : forwarded;
  const last = value?.split(',').at(-1)?.trim();
  return last !== undefined && last !== '' ? last : direct;
}
