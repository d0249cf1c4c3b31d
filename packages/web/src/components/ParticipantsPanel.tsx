import type { Room } from '@parley/client';
import { useRerenderOn } from '../hooks/useRerenderOn';
import { SidePanel } from './SidePanel';
import { CameraOffIcon, MicOffIcon } from './icons';

const STATUS_TEXT = { connecting: 'connecting…', connected: '', reconnecting: 'reconnecting…', failed: 'cannot be reached' } as const;

interface Props {
  room: Room;
  onClose: () => void;
  /** A host action failed (e.g. the person already left): say so. */
  onError: (text: string) => void;
}

export function ParticipantsPanel({ room, onClose, onError }: Props) {
  useRerenderOn(room, ['lobby-changed']);
  const local = room.localParticipant.media;
  const people = [
    { id: room.selfId, name: `${room.selfName} (you)`, media: local, note: room.isHost ? 'host' : '', self: true },
    ...[...room.participants.values()].map((p) => ({ id: p.id, name: p.name, media: p.media, note: STATUS_TEXT[p.status], self: false })),
  ];
  const remove = (id: string, name: string) =>
    room.remove(id).catch((error: Error) => onError(`Could not remove ${name}: ${error.message}`));
  const switchLobby = (enabled: boolean) =>
    room.setLobby(enabled).catch((error: Error) => onError(`Could not change the lobby: ${error.message}`));
  return (
    <SidePanel title="Participants" heading={`Participants (${people.length})`} onClose={onClose}>
      {room.isHost && (
        <label className="check panel-body">
          <input type="checkbox" checked={room.lobbyEnabled} onChange={(event) => void switchLobby(event.target.checked)} />
          <span>
            Ask me before letting people in
            <small>Newcomers wait until a host admits them. Turning it off lets everyone waiting in.</small>
          </span>
        </label>
      )}
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
            {room.isHost && !person.self && (
              <button type="button" className="button small danger" aria-label={`Remove ${person.name}`} onClick={() => void remove(person.id, person.name)}>
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
    </SidePanel>
  );
}
