import { PROTOCOL_VERSION, type JoinedMessage } from '@parley/protocol';
import { ParleyError } from './errors.js';
import type { JoinOptions } from './JoinOptions.js';
import type { SignalingClient } from './SignalingClient.js';

/** Failures of a join on a socket opened ahead that a fresh socket would not have: the server closed it first. */
export const EARLY_SOCKET_LOST: ReadonlySet<string> = new Set(['join-timeout', 'signaling-closed']);

/**
 * Sends our `join` on `signaling` and waits for `joined` (in a lobby: until a
 * host decides). Any failure closes the socket; giving up (`signal`) rejects
 * with `aborted`.
 */
export async function requestJoin(signaling: SignalingClient, options: JoinOptions): Promise<JoinedMessage> {
  const offWaiting = signaling.on('lobby-waiting', () => options.onWaiting?.());
  // Giving up: `leave` answers the held join, then the socket goes.
  const onAbort = () => {
    signaling.notify({ type: 'leave' });
    signaling.close(1000, 'gave up joining');
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let reply;
  try {
    reply = await signaling.request({
      type: 'join',
      room: options.room,
      ...(options.name === undefined ? {} : { name: options.name }),
      protocolVersion: PROTOCOL_VERSION,
      media: options.local.media,
      ...(options.password ? { password: options.password } : {}),
      ...(options.token ? { token: options.token } : {}),
      ...(options.lobby ? { lobby: true } : {}),
    });
  } catch (error) {
    signaling.close();
    throw options.signal?.aborted ? ParleyError.aborted() : error;
  } finally {
    offWaiting();
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (reply.type !== 'joined') {
    signaling.close();
    throw new ParleyError('internal', `the server answered join with "${reply.type}"`);
  }
  return reply;
}

/**
 * The `join` sent again after a refused resume: the same room, name and
 * credentials, today's media state.
 */
export function rejoinRequest(options: JoinOptions, room: string, selfName: string) {
  return {
    type: 'join' as const,
    room,
    // A room token names us itself; without one, the name the others knew.
    ...(options.token ? { token: options.token } : { name: selfName }),
    protocolVersion: PROTOCOL_VERSION,
    media: options.local.media,
    ...(options.password ? { password: options.password } : {}),
  };
}
