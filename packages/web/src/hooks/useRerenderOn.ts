import { useEffect, useReducer } from 'react';

/**
 * Re-renders whenever one of `events` fires on `emitter`. SDK objects are the
 * source of truth; components read them during render instead of copying
 * their state into React state that could drift.
 */
export function useRerenderOn<K extends string>(
  emitter: { on(event: K, listener: () => void): () => void } | null | undefined,
  events: readonly K[],
): void {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  const key = events.join(',');
  useEffect(() => {
    if (!emitter) return;
    const offs = key.split(',').map((event) => emitter.on(event as K, bump));
    return () => offs.forEach((off) => off());
  }, [emitter, key]);
}
