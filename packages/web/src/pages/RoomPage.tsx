import { useEffect, useState } from 'react';
import type { Room } from '@parley/client';
import { AudioOutputContext } from '../audioOutput';
import { takeTokenFromUrl } from '../roomToken';
import { navigate } from '../routing';
import { CallView } from './CallView';
import { PreJoin } from './PreJoin';

type Phase = { name: 'prejoin' } | { name: 'call'; room: Room } | { name: 'left' } | { name: 'removed'; message: string };

/** One room link: the pre-join check, then the call, then the page after leaving. */
const SPEAKER_KEY = 'parley.speaker';

export function RoomPage({ room: roomName }: { room: string }) {
  const [phase, setPhase] = useState<Phase>({ name: 'prejoin' });
  // Read once: the token leaves the address bar but stays for a rejoin.
  const [token] = useState(takeTokenFromUrl);
  const [speaker, setSpeakerState] = useState(() => localStorage.getItem(SPEAKER_KEY) ?? '');
  const setSpeaker = (deviceId: string) => {
    localStorage.setItem(SPEAKER_KEY, deviceId);
    setSpeakerState(deviceId);
  };
  return (
    <AudioOutputContext.Provider value={speaker}>
      <RoomPhase room={roomName} token={token} phase={phase} setPhase={setPhase} speaker={speaker} setSpeaker={setSpeaker} />
    </AudioOutputContext.Provider>
  );
}

interface PhaseProps {
  room: string;
  token: string | undefined;
  phase: Phase;
  setPhase: (phase: Phase) => void;
  speaker: string;
  setSpeaker: (deviceId: string) => void;
}

function RoomPhase({ room: roomName, token, phase, setPhase, speaker, setSpeaker }: PhaseProps) {
  useEffect(() => {
    if (phase.name !== 'call') return;
    const room = phase.room;
    const off = room.on('removed', (message) => setPhase({ name: 'removed', message }));
    // Leaving the page (back button, another room link) ends the call too.
    return () => {
      off();
      room.leave();
    };
  }, [phase, setPhase]);

  switch (phase.name) {
    case 'prejoin':
      // PreJoin hands the room over once the first offers and answers are through (firstNegotiation): the call
      // view then renders at once, not as a transition. What is left of the start (ICE, DTLS, the encoders)
      // needs little of the main thread, while the decoders' and WebRTC's tasks that now fill it would starve a
      // transition: in a mesh of three its video elements came 2.4 s after it began, and the first frames with them.
      return (
        <PreJoin
          room={roomName}
          token={token}
          speaker={speaker}
          onSpeakerChange={setSpeaker}
          onJoined={(room) => setPhase({ name: 'call', room })}
          onRemoved={(message) => setPhase({ name: 'removed', message })}
        />
      );
    case 'call':
      return (
        <CallView
          room={phase.room}
          speaker={speaker}
          onSpeakerChange={setSpeaker}
          onLeave={() => {
            phase.room.leave();
            setPhase({ name: 'left' });
          }}
        />
      );
    case 'left':
      return (
        <main className="left">
          <h1>You left the call</h1>
          <div className="row">
            <button type="button" className="button primary large" onClick={() => setPhase({ name: 'prejoin' })}>
              Rejoin
            </button>
            <button type="button" className="button ghost" onClick={() => navigate('/')}>
              Home
            </button>
          </div>
        </main>
      );
    case 'removed':
      return (
        <main className="left">
          <h1>You were removed from the call</h1>
          <p>{phase.message}.</p>
          <button type="button" className="button ghost" onClick={() => navigate('/')}>
            Home
          </button>
        </main>
      );
  }
}
