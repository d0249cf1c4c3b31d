/**
 * - `connected`: a socket, no room.
 * - `authorizing`: a join is being checked (room token, password hash); nothing else may start.
 * - `waiting`: held in a room's lobby until a host admits or denies; not a member, sees nothing of the room.
 * - `joined`: a member of a room.
 * - `suspended`: the socket dropped without a leave; the participant keeps its
 *   place, and messages for it wait, until it resumes or its resume window ends.
 * - `closed`: done.
 */
export type SessionState = 'connected' | 'authorizing' | 'waiting' | 'joined' | 'suspended' | 'closed';

/** Legal moves; anything else is a bug, logged and not made. */
const TRANSITIONS: Record<SessionState, readonly SessionState[]> = {
  connected: ['authorizing', 'joined', 'closed'],
  authorizing: ['connected', 'waiting', 'joined', 'closed'],
  waiting: ['connected', 'joined', 'closed'],
  joined: ['connected', 'suspended', 'closed'],
  suspended: ['joined', 'closed'],
  closed: [],
};

export function isLegalMove(from: SessionState, to: SessionState): boolean {
  return TRANSITIONS[from].includes(to);
}
