import { useCallback, useEffect, useMemo, useRef } from 'react';
import { SignalingPreconnect } from '@parley/client';

export interface EarlyConnection {
  /** The connection opened ahead, for one join attempt (it is spent by it); undefined if none is open. */
  take(): SignalingPreconnect | undefined;
  /** A join attempt failed (a wrong password, a full room): open the next one for the next attempt. */
  renew(): void;
}

/**
 * Opens the signaling connection while the person is still on this screen,
 * so the click on "Join" only sends `join` (see SignalingPreconnect); closed
 * when the screen goes without using it.
 */
export function useSignalingPreconnect(url: string): EarlyConnection {
  const current = useRef<SignalingPreconnect | undefined>(undefined);
  /** Whether the screen is still there: a join that fails after it went must not open another. */
  const mounted = useRef(false);
  useEffect(() => {
    mounted.current = true;
    current.current = SignalingPreconnect.open(url);
    return () => {
      mounted.current = false;
      current.current?.close();
      current.current = undefined;
    };
  }, [url]);
  const take = useCallback(() => {
    const taken = current.current;
    current.current = undefined;
    return taken;
  }, []);
  const renew = useCallback(() => {
    if (!mounted.current) return;
    current.current?.close();
    current.current = SignalingPreconnect.open(url);
  }, [url]);
  return useMemo(() => ({ take, renew }), [take, renew]);
}
