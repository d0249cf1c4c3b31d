import { useEffect, useRef, useState } from 'react';
import { LocalParticipant } from '@parley/client';

/**
 * Starts camera and microphone for the pre-join screen. The participant is
 * released when the screen goes away, unless `handOver()` gave it to a call.
 */
export function useLocalParticipant(): { local: LocalParticipant | null; handOver: () => LocalParticipant | null } {
  const [local, setLocal] = useState<LocalParticipant | null>(null);
  const handedOver = useRef(false);

  useEffect(() => {
    let cancelled = false;
    let created: LocalParticipant | null = null;
    handedOver.current = false;
    void LocalParticipant.create().then((participant) => {
      created = participant;
      if (cancelled) participant.release();
      else setLocal(participant);
    });
    return () => {
      cancelled = true;
      if (created && !handedOver.current) created.release();
    };
  }, []);

  return {
    local,
    handOver: () => {
      handedOver.current = true;
      return local;
    },
  };
}
