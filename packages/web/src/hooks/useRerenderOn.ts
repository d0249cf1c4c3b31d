import { startTransition, useEffect, useReducer } from 'react';

/**
 * `urgent`: the render runs at once, in one piece. `background`: as a
 * transition, which React renders in slices of a few milliseconds, yielding
 * to the browser in between: for events that come in bursts while a call
 * starts (links, tracks, connection states), so that the page's main thread
 * keeps handling signaling and WebRTC callbacks while the call view renders.
 */
export type RerenderPriority = 'urgent' | 'background';

/**
 * Re-renders whenever one of `events` fires on `emitter`. SDK objects are the
 * source of truth; components read them during render instead of copying
 * their state into React state that could drift.
 */
export function useRerenderOn<K extends string>(
  emitter: { on(event: K, listener: () => void): () => void } | null | undefined,
  events: readonly K[],
  priority: RerenderPriority = 'urgent',
): void {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  const key = events.join(',');
  useEffect(() => {
    if (!emitter) return;
    const listener = priority === 'urgent' ? bump : () => startTransition(bump);
    const offs = key.split(',').map((event) => emitter.on(event as K, listener));
    return () => offs.forEach((off) => off());
  }, [emitter, key, priority]);
}
