import type { LinkQuality, LinkStatus, MediaState } from '@parley/client';
import { CameraOffIcon, MicOffIcon } from './icons';
import { QualityBadge } from './QualityBadge';
import { StreamVideo, trackKeyOf } from './StreamVideo';

interface Props {
  name: string;
  stream: MediaStream;
  media: MediaState;
  self?: boolean;
  /** For remote tiles: how the link to them is doing, to say when someone cannot be reached. */
  status?: LinkStatus;
  /** The encrypted session was refused (certificates did not match what signaling said): not a network problem. */
  refused?: boolean;
  /** Whether a TURN relay is configured: without one, some networks cannot connect at all. */
  hasRelay?: boolean;
  quality?: LinkQuality | null;
  speaking?: boolean;
  pinned?: boolean;
  onPin?: () => void;
  onShowQuality?: () => void;
}

export function Tile({ name, stream, media, self = false, status, refused = false, hasRelay = false, quality, speaking, pinned, onPin, onShowQuality }: Props) {
  const label = self ? (name ? `${name} (you)` : 'You') : name;
  return (
    <section
      role="group"
      aria-label={label}
      className="tile"
      data-camera-off={media.cameraOff || undefined}
      data-speaking={speaking || undefined}
      data-pinned={pinned || undefined}
    >
      <StreamVideo stream={stream} trackKey={trackKeyOf(stream)} self={self} />
      {media.cameraOff && (
        <div className="avatar" aria-hidden="true">
          {initials(name)}
        </div>
      )}
      {onPin && (
        <button type="button" className="button small tile-pin" onClick={onPin} aria-pressed={pinned ?? false}>
          {pinned ? `Unpin ${label}` : `Pin ${label}`}
        </button>
      )}
      <div className="tile-footer">
        {onShowQuality && <QualityBadge name={name} quality={quality ?? null} onOpen={onShowQuality} />}
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
      {refused ? (
        <div className="tile-status" role="status">
          The encrypted connection to <bdi>{name}</bdi> was refused — someone may be tampering with the call
        </div>
      ) : (
        status && status !== 'connected' && <LinkNotice name={name} status={status} hasRelay={hasRelay} />
      )}
    </section>
  );
}

function LinkNotice({ name, status, hasRelay }: { name: string; status: LinkStatus; hasRelay: boolean }) {
  switch (status) {
    case 'connecting':
      return (
        <div className="tile-status subtle" role="status">
          Connecting…
        </div>
      );
    case 'reconnecting':
      return (
        <div className="tile-status subtle" role="status">
          Reconnecting…
        </div>
      );
    case 'failed':
      return (
        <div className="tile-status" role="status">
          {hasRelay
            ? `Could not connect to ${name} — retrying…`
            : `Could not connect to ${name} — the network blocks direct calls and no relay is configured`}
        </div>
      );
    default:
      return null;
  }
}

export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : [words[0] ?? '?'];
  return letters.map((word) => Array.from(word ?? '')[0]?.toUpperCase() ?? '').join('');
}
