import type { Room } from '@parley/client';
import { useRerenderOn } from '../hooks/useRerenderOn';

/** For hosts: who is waiting in the lobby, each with Admit and Deny. Shown only while someone waits. */
export function LobbyRequests({ room, onError }: { room: Room; onError: (text: string) => void }) {
  useRerenderOn(room, ['knock', 'knock-ended']);
  const waiting = room.waiting;
  if (!room.isHost || waiting.length === 0) return null;
  const answer = (action: Promise<void>) => action.catch((error: Error) => onError(`Could not answer: ${error.message}`));
  return (
    <section className="lobby-requests" aria-label="Waiting to join">
      <h2>Waiting to join ({waiting.length})</h2>
      <ul>
        {waiting.map((waiter) => (
          <li key={waiter.id}>
            <span className="person-name">{waiter.name}</span>
            <button type="button" className="button small primary" aria-label={`Admit ${waiter.name}`} onClick={() => void answer(room.admit(waiter.id))}>
              Admit
            </button>
            <button type="button" className="button small" aria-label={`Deny ${waiter.name}`} onClick={() => void answer(room.deny(waiter.id))}>
              Deny
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
