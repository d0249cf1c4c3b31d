/**
 * When the server pings a connection and when it gives up on it.
 *
 * A connection is pinged only after it has been silent a while: anything the
 * client says (a message, a pong) proves it is there, so a browser, whose SDK
 * sends its own `ping` every 5 s, is never pinged for liveness. A ping left
 * unanswered, with nothing else heard since, drops the connection.
 *
 * With HEARTBEAT_INTERVAL_MS = I (5 s): silent 1.4 I (7 s) → pinged; the ping
 * unanswered 0.8 I (4 s) → dropped. Connections are looked at every I / 10
 * (see HEARTBEAT_VISITS_PER_INTERVAL), so a client that vanished without a
 * TCP close is dropped at most 2.4 I (12 s) after its last word, and its
 * place is given up RESUME_WINDOW_MS (10 s) after that word or at the drop,
 * whichever is later: within the 15 s that a vanished peer may take to leave
 * the others' screens. An idle client that only answers pings costs a ping
 * every ~7 s instead of every 5 s.
 *
 * Pushes are acknowledged by pongs (see ClientSession.deliver); a connection
 * holding pushes not yet acknowledged is pinged sooner, at most every I / 4,
 * so that what it keeps for a resume is released within a second or so
 * rather than a whole heartbeat later.
 */
export interface HeartbeatTiming {
  /** Silence after which a connection is pinged. */
  pingAfterSilenceMs: number;
  /** How long a ping may go unanswered, with nothing else heard since, before the connection is dropped. */
  dropAfterUnansweredMs: number;
  /** The least time between two pings that only ask for an acknowledgement of pushes. */
  ackPingEveryMs: number;
}

/** Each connection is looked at this many times per HEARTBEAT_INTERVAL_MS. */
export const HEARTBEAT_VISITS_PER_INTERVAL = 10;

export function heartbeatTiming(intervalMs: number): HeartbeatTiming {
  return {
    pingAfterSilenceMs: Math.round(intervalMs * 1.4),
    dropAfterUnansweredMs: Math.round(intervalMs * 0.8),
    ackPingEveryMs: Math.round(intervalMs / 4),
  };
}

/** What the heartbeat knows of one connection when it looks at it. */
export interface LivenessFacts {
  now: number;
  /** The last time the client said anything (a message or a pong). */
  lastHeardAt: number;
  /** When the ping still waiting for its pong went out; undefined when none is. */
  pingSentAt: number | undefined;
  /** When the last ping of any kind went out (0: never). */
  lastPingAt: number;
  /** Whether pushes wait for a pong to vouch that the client read them. */
  unacknowledged: boolean;
}

export type LivenessVerdict = 'drop' | 'ping' | 'wait';

export function livenessVerdict(facts: LivenessFacts, timing: HeartbeatTiming): LivenessVerdict {
  const { now, lastHeardAt, pingSentAt } = facts;
  if (pingSentAt !== undefined) {
    if (now - pingSentAt < timing.dropAfterUnansweredMs) return 'wait';
    // Its pong is overdue, but it spoke since the ping: it is there; ask again.
    return lastHeardAt >= pingSentAt ? 'ping' : 'drop';
  }
  if (now - lastHeardAt >= timing.pingAfterSilenceMs) return 'ping';
  if (facts.unacknowledged && now - facts.lastPingAt >= timing.ackPingEveryMs) return 'ping';
  return 'wait';
}

/**
 * The earliest time at which livenessVerdict could say something other than
 * `wait` for these facts, if nothing is heard and nothing pushed meanwhile
 * (hearing from the client only puts the answer off; a push may bring it
 * forward, so the caller looks again at the next visit after one). Most
 * connections are idle and not due: the heartbeat reads this one number of
 * theirs instead of their sockets and buffers.
 */
export function nextLookAt(facts: Omit<LivenessFacts, 'now'>, timing: HeartbeatTiming): number {
  if (facts.pingSentAt !== undefined) return facts.pingSentAt + timing.dropAfterUnansweredMs;
  const silence = facts.lastHeardAt + timing.pingAfterSilenceMs;
  return facts.unacknowledged ? Math.min(silence, facts.lastPingAt + timing.ackPingEveryMs) : silence;
}
