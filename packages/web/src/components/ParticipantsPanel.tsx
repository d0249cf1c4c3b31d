import type { Room } from '@parley/client';
import { SidePanel } from './SidePanel';
import { CameraOffIcon, MicOffIcon } from './icons';

const STATUS_TEXT = { connecting: 'connecting…', connected: '', reconnecting: 'reconnecting…', failed: 'cannot be reached' } as const;

export function ParticipantsPanel({ room, onClose }: { room: Room; onClose: () => void }) {
  const local = room.localParticipant.media;
  const people = [
    { id: room.selfId, name: `${room.selfName} (you)`, media: local, note: '' },
    ...[...room.participants.values()].map((p) => ({ id: p.id, name: p.name, media: p.media, note: STATUS_TEXT[p.status] })),
  ];
  return (
    <SidePanel title="Participants" heading={`Participants (${people.length})`} onClose={onClose}>
      <ul className="people">
        {people.map((person) => (
          <li key={person.id}>
            <span className="person-name">{person.name}</span>
            {person.note && <span className="muted">{person.note}</span>}
            <span className="person-icons">
              {person.media.micMuted && (
                <span role="img" aria-label="Microphone muted">
                  <MicOffIcon />
                </span>
              )}
              {person.media.cameraOff && (
                <span role="img" aria-label="Camera off">
                  <CameraOffIcon />
                </span>
              )}
            </span>
          </li>
        ))}
      </ul>
    </SidePanel>
  );
}
