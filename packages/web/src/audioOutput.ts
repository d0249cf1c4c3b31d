import { createContext, useContext } from 'react';

/** The speaker chosen in settings ('' = the system default), applied to every remote video element. */
export const AudioOutputContext = createContext<string>('');

export function useAudioOutput(): string {
  return useContext(AudioOutputContext);
}

/** setSinkId exists in Chromium and Firefox; elsewhere output follows the system. */
export const canChooseSpeaker = typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;
