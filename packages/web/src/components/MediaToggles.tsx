import { useState } from 'react';
import type { LocalParticipant } from '@parley/client';
import { useRerenderOn } from '../hooks/useRerenderOn';
import { SHORTCUTS } from '../hooks/useShortcuts';
import { CameraIcon, CameraOffIcon, MicIcon, MicOffIcon } from './icons';

/** Microphone and camera buttons, used before and during the call alike. */
export function MediaToggles({ local }: { local: LocalParticipant }) {
  useRerenderOn(local, ['media-changed']);
  const [problem, setProblem] = useState<string | null>(null);
  const { micMuted, cameraOff } = local.media;

  const run = (action: Promise<void>) => {
    setProblem(null);
    action.catch((error: Error) => setProblem(error.message));
  };

  return (
    <div className="media-toggles">
      <button
        type="button"
        className={`button round${micMuted ? ' off' : ''}`}
        aria-label={micMuted ? 'Unmute microphone' : 'Mute microphone'}
        title={`${micMuted ? 'Unmute microphone' : 'Mute microphone'} (${SHORTCUTS.microphone})`}
        aria-keyshortcuts="Control+D"
        onClick={() => run(local.setMicrophoneEnabled(micMuted))}
      >
        {micMuted ? <MicOffIcon /> : <MicIcon />}
      </button>
      <button
        type="button"
        className={`button round${cameraOff ? ' off' : ''}`}
        aria-label={cameraOff ? 'Turn camera on' : 'Turn camera off'}
        title={`${cameraOff ? 'Turn camera on' : 'Turn camera off'} (${SHORTCUTS.camera})`}
        aria-keyshortcuts="Control+E"
        onClick={() => run(local.setCameraEnabled(cameraOff))}
      >
        {cameraOff ? <CameraOffIcon /> : <CameraIcon />}
      </button>
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
    </div>
  );
}
