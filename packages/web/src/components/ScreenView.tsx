import { StreamVideo, trackKeyOf } from './StreamVideo';

/** A shared screen, shown large; never mirrored, never cropped. */
export function ScreenView({ label, stream }: { label: string; stream: MediaStream }) {
  return (
    <section role="group" aria-label={label} className="tile screen-tile">
      <StreamVideo stream={stream} trackKey={trackKeyOf(stream)} />
      <div className="tile-footer">
        <span className="tile-name">{label}</span>
      </div>
    </section>
  );
}
