import { useEffect, useRef } from 'react';
import { canChooseSpeaker, useAudioOutput } from '../audioOutput';

interface Props {
  stream: MediaStream;
  /** Track ids: a new key re-attaches the stream so late tracks start playing. */
  trackKey: string;
  /** Our own preview: muted (no echo) and mirrored, as people expect of a selfie view. */
  self?: boolean;
}

export function StreamVideo({ stream, trackKey, self = false }: Props) {
  const ref = useRef<HTMLVideoElement>(null);
  const sinkId = useAudioOutput();
  useEffect(() => {
    const video = ref.current;
    if (!video || self || !canChooseSpeaker) return;
    video.setSinkId(sinkId).catch((error: unknown) => console.warn('[parley] could not switch the speaker:', error));
  }, [sinkId, self]);
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    video.srcObject = stream;
    video.play().catch((error: unknown) => {
      // Autoplay can be refused before any click on the page; the next attach retries.
      console.warn('[parley] video did not start playing:', error);
    });
    return () => {
      video.srcObject = null;
    };
  }, [stream, trackKey]);
  return <video ref={ref} className={self ? 'mirrored' : undefined} autoPlay playsInline muted={self} />;
}

export function trackKeyOf(stream: MediaStream): string {
  return stream
    .getTracks()
    .map((track) => track.id)
    .sort()
    .join(',');
}
