import type { RemoteParticipant, Room } from '@parley/client';
import { useRerenderOn } from '../hooks/useRerenderOn';

/**
 * One safety code per person: the words come from both ends' encryption
 * certificates, so the two people see the same words unless someone (even
 * Parley's own server) has put itself in the middle of their connection.
 */
export function SafetyCodes({ room }: { room: Room }) {
  useRerenderOn(room, ['safety-changed', 'participant-joined', 'participant-left']);
  const participants = [...room.participants.values()];
  return (
    <section className="safety-codes" aria-labelledby="safety-codes-heading">
      <h3 id="safety-codes-heading">Safety codes</h3>
      {participants.length === 0 && <p className="muted">Nobody else is here yet.</p>}
      {/* Groups, not list items: "Your connections" above is the list of people. */}
      <div className="safety-code-items">
        {participants.map((participant) => (
          <SafetyCodeItem key={participant.id} participant={participant} />
        ))}
      </div>
    </section>
  );
}

function SafetyCodeItem({ participant }: { participant: RemoteParticipant }) {
  const { name, safety } = participant;
  return (
    <div role="group" aria-label={`Safety code with ${name}`} data-state={safety.state}>
      <strong>
        <bdi>{name}</bdi>
      </strong>
      {safety.state === 'ready' && (
        <>
          <span className="safety-words">{safety.code.text}</span>
          <span className="muted">
            Compare these words with <bdi>{name}</bdi>, aloud or by another way you trust. If they differ, someone is in the middle
            and can see and hear your call: hang up.
          </span>
        </>
      )}
      {safety.state === 'pending' && <span className="muted">Waiting for the encrypted connection…</span>}
      {safety.state === 'dtls-failed' && (
        <span role="alert">
          The encrypted connection to <bdi>{name}</bdi> was refused: its certificate did not match the one Parley’s server passed
          on. Someone may be tampering with this call.
        </span>
      )}
      {safety.state === 'exchange-failed' && (
        <span role="alert">
          The safety check with <bdi>{name}</bdi> was altered on the way: what came back did not match what was promised.
          Someone may be in the middle of this call: hang up.
        </span>
      )}
    </div>
  );
}
