import { useState, type FormEvent } from 'react';
import { Room, signalingUrl, type ParleyError } from '@parley/client';
import { MAX_DISPLAY_NAME_LENGTH } from '@parley/protocol';
import { CopyLinkButton } from '../components/CopyLinkButton';
import { DeviceSettings } from '../components/DeviceSettings';
import { MicLevel } from '../components/MicLevel';
import { MediaToggles } from '../components/MediaToggles';
import { Tile } from '../components/Tile';
import { useLocalParticipant } from '../hooks/useLocalParticipant';
import { useRerenderOn } from '../hooks/useRerenderOn';

const NAME_KEY = 'parley.displayName';
const RELAY_ONLY_KEY = 'parley.relayOnly';

interface Props {
  room: string;
  speaker: string;
  onSpeakerChange: (deviceId: string) => void;
  onJoined: (room: Room) => void;
}

export function PreJoin({ room, speaker, onSpeakerChange, onJoined }: Props) {
  const { local, handOver } = useLocalParticipant();
  useRerenderOn(local, ['media-changed', 'track-changed']);
  const [name, setName] = useState(() => localStorage.getItem(NAME_KEY) ?? '');
  const [relayOnly, setRelayOnly] = useState(() => localStorage.getItem(RELAY_ONLY_KEY) === 'true');
  const [joining, setJoining] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const join = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed || !local) return;
    localStorage.setItem(NAME_KEY, trimmed);
    localStorage.setItem(RELAY_ONLY_KEY, String(relayOnly));
    setJoining(true);
    setError(null);
    try {
      const joined = await Room.join({ url: signalingUrl(), room, name: trimmed, local, relayOnly });
      handOver();
      onJoined(joined);
    } catch (failure) {
      setError(describeJoinError(failure as ParleyError));
      setJoining(false);
    }
  };

  return (
    <main className="prejoin">
      <div className="prejoin-preview">
        {local ? (
          <Tile name={name.trim()} stream={local.stream} media={local.media} self />
        ) : (
          <div className="tile placeholder">Starting camera…</div>
        )}
        {local?.mediaError && (
          <p role="alert" className="notice">
            {describeMediaError(local.mediaError)} You can still join to listen and watch.
          </p>
        )}
        {local && (
          <>
            <MicLevel local={local} />
            <MediaToggles local={local} />
            <DeviceSettings local={local} speaker={speaker} onSpeakerChange={onSpeakerChange} />
          </>
        )}
      </div>
      <form className="prejoin-form" onSubmit={(event) => void join(event)}>
        <h1>Join “{room}”</h1>
        <label htmlFor="display-name">Your name</label>
        <input
          id="display-name"
          value={name}
          maxLength={MAX_DISPLAY_NAME_LENGTH}
          autoComplete="name"
          autoFocus
          onChange={(event) => setName(event.target.value)}
        />
        <label className="check">
          <input type="checkbox" checked={relayOnly} onChange={(event) => setRelayOnly(event.target.checked)} />
          <span>
            Hide my IP address (relay only)
            <small>Media goes through the relay server, so others never see your address. Slightly more delay.</small>
          </span>
        </label>
        <button type="submit" className="button primary large" disabled={!local || !name.trim() || joining}>
          {joining ? 'Joining…' : 'Join'}
        </button>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <CopyLinkButton />
      </form>
    </main>
  );
}

function describeMediaError(error: ParleyError): string {
  switch (error.code) {
    case 'media-permission-denied':
      return 'The browser was not allowed to use your camera or microphone.';
    case 'media-not-found':
      return 'No camera or microphone was found.';
    case 'media-in-use':
      return 'Your camera or microphone is in use by another program.';
    default:
      return 'Your camera or microphone could not be started.';
  }
}

function describeJoinError(error: ParleyError): string {
  switch (error.code) {
    case 'room-full':
      return 'This call is full. A call in Parley holds up to 8 people so everyone keeps a good picture.';
    case 'signaling-unreachable':
      return 'Parley’s server cannot be reached. Check your connection and try again.';
    case 'bad-name':
      return 'That name can’t be used: keep it under 64 characters, on one line, without control characters.';
    case 'bad-room-name':
      return 'This room link is not valid. Room names use letters, digits, "-" and "_".';
    case 'unsupported-protocol':
      return 'This page is out of date. Reload it and join again.';
    default:
      return `Could not join: ${error.message}`;
  }
}
