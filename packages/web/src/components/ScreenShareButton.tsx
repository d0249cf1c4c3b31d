import { useState } from 'react';
import type { LocalParticipant } from '@parley/client';
import { useRerenderOn } from '../hooks/useRerenderOn';
import { ScreenIcon } from './icons';

export function ScreenShareButton({ local, onError }: { local: LocalParticipant; onError: (message: string) => void }) {
  useRerenderOn(local, ['screen-changed']);
  const [asking, setAsking] = useState(false);
  const sharing = Boolean(local.screenTrack);
  const label = sharing ? 'Stop sharing screen' : 'Share screen';
  const click = () => {
    if (sharing) return local.stopScreenShare();
    setAsking(true);
    local
      .startScreenShare()
      .catch((error: Error) => {
        // Closing the browser's picker is a choice, not an error worth a message.
        if (!/permission|denied/i.test(error.message)) onError(`Could not share your screen: ${error.message}`);
      })
      .finally(() => setAsking(false));
  };
  return (
    <button type="button" className={`button round${sharing ? ' active' : ''}`} aria-label={label} title={label} disabled={asking} onClick={click}>
      <ScreenIcon />
    </button>
  );
}
