import { randomBytes } from 'node:crypto';
import { ClusterKeys } from '@parley/server';

/** Keys of their own for each test, so tests sharing one redis-server never see each other's rooms. */
export function freshKeys(): ClusterKeys {
  return new ClusterKeys(`t${randomBytes(4).toString('hex')}:`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until `condition()` holds, checking every 20 ms; fails with `what` after `withinMs`. */
export async function until(condition: () => boolean, withinMs: number, what: string): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${withinMs} ms waiting for ${what}`);
    await sleep(20);
  }
}
