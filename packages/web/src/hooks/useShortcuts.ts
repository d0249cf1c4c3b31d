import { useEffect } from 'react';
import type { LocalParticipant } from '@parley/client';

/** Ctrl+D (⌘D) toggles the microphone and Ctrl+E (⌘E) the camera, as in other calling apps. */
export const SHORTCUTS = { microphone: 'Ctrl+D', camera: 'Ctrl+E' } as const;

export function useShortcuts(local: LocalParticipant): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey || event.repeat) return;
      const key = event.key.toLowerCase();
      if (key !== 'd' && key !== 'e') return;
      // Ours, not the browser's bookmark or search shortcut.
      event.preventDefault();
      const { micMuted, cameraOff } = local.media;
      const action = key === 'd' ? local.setMicrophoneEnabled(micMuted) : local.setCameraEnabled(cameraOff);
      action.catch((error: unknown) => console.warn('[parley] shortcut failed:', error));
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [local]);
}
