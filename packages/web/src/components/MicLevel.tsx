import { useEffect, useState } from 'react';
import type { LocalParticipant } from '@parley/client';
import { useRerenderOn } from '../hooks/useRerenderOn';

/** A live microphone level, so a person sees the right microphone picks them up before joining. */
export function MicLevel({ local }: { local: LocalParticipant }) {
  useRerenderOn(local, ['track-changed']);
  const track = local.audioTrack;
  const [level, setLevel] = useState(0);

  useEffect(() => {
    if (!track) {
      setLevel(0);
      return;
    }
    const context = new AudioContext();
    // Browsers start an AudioContext suspended until the page has been used: resume
    // now where that is allowed, else at the first click or key press.
    const resume = () => {
      if (context.state === 'suspended') void context.resume();
    };
    resume();
    window.addEventListener('pointerdown', resume);
    window.addEventListener('keydown', resume);
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    // Ten updates a second are enough for a meter and cheap for React.
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const sample of samples) sum += sample * sample;
      const rms = Math.sqrt(sum / samples.length);
      setLevel(Math.min(100, Math.round(rms * 300)));
    }, 100);
    return () => {
      clearInterval(timer);
      window.removeEventListener('pointerdown', resume);
      window.removeEventListener('keydown', resume);
      void context.close();
    };
  }, [track]);

  return (
    <div className="mic-level" role="meter" aria-label="Microphone level" aria-valuemin={0} aria-valuemax={100} aria-valuenow={level}>
      <div style={{ width: `${level}%` }} />
    </div>
  );
}
