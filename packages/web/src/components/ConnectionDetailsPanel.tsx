import type { LinkReport } from '@parley/protocol';
import { SidePanel } from './SidePanel';
import type { Room } from '@parley/client';
import { useRerenderOn } from '../hooks/useRerenderOn';
import { describePath } from '../quality';
import { formatBytes } from '../format';
import { SafetyCodes } from './SafetyCodes';

/**
 * Every link of the mesh as a matrix: row = who measured, column = to whom.
 * Each participant shares its own measurements over the data channels, so a
 * person sees the links between others too, and can tell which one is bad.
 */
export function ConnectionDetailsPanel({ room, onClose }: { room: Room; onClose: () => void }) {
  useRerenderOn(room.mesh, ['changed']);
  useRerenderOn(room, ['quality-changed', 'participant-joined', 'participant-left']);
  const people = [{ id: room.selfId, name: `${room.selfName} (you)` }, ...[...room.participants.values()].map((p) => ({ id: p.id, name: p.name }))];
  const ids = people.map((p) => p.id);
  const links = room.mesh.links(ids);
  const report = (from: string, to: string): LinkReport | null => {
    const link = links.find((l) => (l.a === from && l.b === to) || (l.a === to && l.b === from));
    if (!link) return null;
    return link.a === from ? link.fromA : link.fromB;
  };

  return (
    <SidePanel title="Connection details" onClose={onClose}>
      <div className="panel-body">
        <ul className="my-links" aria-label="Your connections">
          {[...room.participants.values()].map((p) => (
            <li key={p.id}>
              <strong>{p.name}</strong>
              {p.quality ? (
                <span>
                  {p.quality.rttMs ?? '?'} ms · {p.quality.lossPercent ?? 0}% loss · ↓ {formatBytes((p.quality.inboundKbps * 1000) / 8)}/s · ↑{' '}
                  {formatBytes((p.quality.outboundKbps * 1000) / 8)}/s · {describePath(p.quality.path, p.quality.transport)}
                </span>
              ) : (
                <span className="muted">measuring…</span>
              )}
            </li>
          ))}
        </ul>
        <SafetyCodes room={room} />
        <table className="mesh" aria-label="Mesh">
          <caption className="muted">Each row: how that person’s links look from their side.</caption>
          <thead>
            <tr>
              <th scope="col">From \ to</th>
              {people.map((p) => (
                <th key={p.id} scope="col">
                  {p.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {people.map((from) => (
              <tr key={from.id}>
                <th scope="row">{from.name}</th>
                {people.map((to) => {
                  if (from.id === to.id) return <td key={to.id} className="self">—</td>;
                  const r = report(from.id, to.id);
                  return (
                    <td key={to.id} data-level={r?.level ?? 'unknown'} aria-label={`${from.name} to ${to.name}`}>
                      {r ? (
                        <>
                          <span>{r.rttMs ?? '?'} ms</span>
                          <span>{r.lossPercent ?? 0}%</span>
                          <span className="muted">{describePath(r.path, r.transport)}</span>
                        </>
                      ) : (
                        <span className="muted">no report</span>
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </SidePanel>
  );
}
