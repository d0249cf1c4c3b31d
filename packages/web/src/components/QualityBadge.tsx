import type { LinkQuality } from '@parley/client';
import { describePath } from '../quality';

/** Three bars for the link to someone; the full numbers are in its name and in Connection details. */
export function QualityBadge({ name, quality, onOpen }: { name: string; quality: LinkQuality | null; onOpen: () => void }) {
  const level = quality?.level ?? 'unknown';
  const label = quality
    ? `Connection to ${name}: ${level}, ${quality.rttMs ?? '?'} ms round trip, ${quality.lossPercent ?? 0}% loss, ${describePath(quality.path, quality.transport)}`
    : `Connection to ${name}: measuring`;
  return (
    <button type="button" className="quality-badge" data-level={level} aria-label={label} title={label} onClick={onOpen}>
      <span />
      <span />
      <span />
    </button>
  );
}
