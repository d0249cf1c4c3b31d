import type { MediaState } from '@parley/client';
import { CameraOffIcon, MicOffIcon } from './icons';
import { StreamVideo, trackKeyOf } from './StreamVideo';

interface Props {
  name: string;
  stream: MediaStream;
  media: MediaState;
  self?: boolean;
  /** For remote tiles: the peer connection's state, to say when someone cannot be reached. */
  connectionState?: RTCPeerConnectionState;
}

export function Tile({ name, stream, media, self = false, connectionState }: Props) {
  const label = self ? (name ? `${name} (you)` : 'You') : name;
  const unreachable = connectionState === 'failed';
  const connecting = connectionState === 'new' || connectionState === 'connecting';
  return (
    <section role="group" aria-label={label} className="tile" data-camera-off={media.cameraOff || undefined}>
      <StreamVideo stream={stream} trackKey={trackKeyOf(stream)} self={self} />
      {media.cameraOff && (
        <div className="avatar" aria-hidden="true">
          {initials(name)}
        </div>
      )}
      <div className="tile-footer">
        <span className="tile-name">{label}</span>
        {media.micMuted && (
          <span role="img" aria-label="Microphone muted" className="badge">
            <MicOffIcon />
          </span>
        )}
        {media.cameraOff && (
          <span role="img" aria-label="Camera off" className="badge">
            <CameraOffIcon />
          </span>
        )}
      </div>
      {unreachable && (
        <div className="tile-status" role="status">
          Can’t reach {name}. Retrying…
        </div>
      )}
      {!self && connecting && (
        <div className="tile-status subtle" role="status">
          Connecting…
        </div>
      )}
    </section>
  );
}

export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : [words[0] ?? '?'];
  return letters.map((word) => Array.from(word ?? '')[0]?.toUpperCase() ?? '').join('');
}
