import { useEffect, useState } from 'react';
import type { Room } from '@parley/client';
import { AudioOutputContext } from '../audioOutput';
import { navigate } from '../routing';
import { CallView } from './CallView';
import { PreJoin } from './PreJoin';

type Phase = { name: 'prejoin' } | { name: 'call'; room: Room } | { name: 'left' };

/** One room link: the pre-join check, then the call, then the page after leaving. */
const SPEAKER_KEY = 'parley.speaker';

export function RoomPage({ room: roomName }: { room: string }) {
  const [phase, setPhase] = useState<Phase>({ name: 'prejoin' });
  const [speaker, setSpeakerState] = useState(() => localStorage.getItem(SPEAKER_KEY) ?? '');
  const setSpeaker = (deviceId: string) => {
    localStorage.setItem(SPEAKER_KEY, deviceId);
    setSpeakerState(deviceId);
  };
  return (
    <AudioOutputContext.Provider value={speaker}>
      <RoomPhase room={roomName} phase={phase} setPhase={setPhase} speaker={speaker} setSpeaker={setSpeaker} />
    </AudioOutputContext.Provider>
  );
}

interface PhaseProps {
  room: string;
  phase: Phase;
  setPhase: (phase: Phase) => void;
  speaker: string;
  setSpeaker: (deviceId: string) => void;
}

function RoomPhase({ room: roomName, phase, setPhase, speaker, setSpeaker }: PhaseProps) {

  useEffect(() => {
    if (phase.name !== 'call') return;
    const room = phase.room;
    // Leaving the page (back button, another room link) ends the call too.
    return () => room.leave();
  }, [phase]);

  switch (phase.name) {
    case 'prejoin':
      return (
        <PreJoin room={roomName} speaker={speaker} onSpeakerChange={setSpeaker} onJoined={(room) => setPhase({ name: 'call', room })} />
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
  }
}
