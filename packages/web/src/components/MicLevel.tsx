import { useEffect, useState } from 'react';
import type { LocalParticipant } from '@parley/client';
import { useRerenderOn } from '../hooks/useRerenderOn';

/** How often the meter moves: ten times a second is enough for the eye and cheap for React. */
const UPDATE_MS = 100;
/**
 * Each reading looks back this far, more than UPDATE_MS, so that no sound
 * falls between two readings even when a timer fires late on a busy page.
 * (A reading of only the last 512 samples, 11 ms of every 100, missed short
 * sounds: Chromium's fake microphone beeps for 20 ms every 500 ms, and
 * readings taken at the same few moments of each beep's cycle can all fall
 * into the silence between beeps; the meter then stayed at 0 for 10 s.)
 */
const WINDOW_MS = 200;
/** The level is the loudest stretch of this length in the window, like a meter's peak hold. */
const BLOCK_MS = 10;
/** An RMS of 1/SCALE fills the meter: normal speech close to the microphone. */
const SCALE = 300;

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
    // The smallest power of two that holds WINDOW_MS at this sample rate (the analyser allows up to 32768).
    analyser.fftSize = Math.min(32_768, 2 ** Math.ceil(Math.log2((context.sampleRate * WINDOW_MS) / 1000)));
    context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const block = Math.max(1, Math.round((context.sampleRate * BLOCK_MS) / 1000));
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      setLevel(Math.min(100, Math.round(loudestBlockRms(samples, block) * SCALE)));
    }, UPDATE_MS);
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

/** The highest RMS of consecutive `block`-sample stretches of `samples`. */
function loudestBlockRms(samples: Float32Array, block: number): number {
  let loudest = 0;
  for (let start = 0; start < samples.length; start += block) {
    const end = Math.min(samples.length, start + block);
    let sum = 0;
    for (let i = start; i < end; i++) sum += (samples[i] ?? 0) ** 2;
    loudest = Math.max(loudest, sum / (end - start));
  }
  return Math.sqrt(loudest);
}
