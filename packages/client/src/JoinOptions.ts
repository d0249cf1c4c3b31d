import type { LocalParticipant } from './LocalParticipant.js';
import type { SignalingPreconnect } from './SignalingPreconnect.js';

/** What `Room.join()` needs: where, which room, as whom, and how. */
export interface JoinOptions {
  /** The signaling WebSocket URL, e.g. `wss://call.example/ws` (see `signalingUrl()`). */
  url: string;
  room: string;
  /** Required unless `token` is given (the token names the participant). */
  name?: string;
  local: LocalParticipant;
  /** Creates the room with this password, or opens a room that has one. */
  password?: string;
  /** A room token (JWT) from the product Parley is embedded in. */
  token?: string;
  /** Only when this join creates the room: newcomers wait in the lobby from the start. */
  lobby?: boolean;
  /** The room has a lobby and we wait for a host: called once; `join()` resolves when admitted. */
  onWaiting?: () => void;
  /** Aborting gives up joining (also while waiting in a lobby); `join()` rejects. */
  signal?: AbortSignal;
  /** ICE servers added to those the server hands out. */
  iceServers?: RTCIceServer[];
  /** Send `leave` when the page is hidden for good, so others see us go at once. Default true. */
  leaveOnPageHide?: boolean;
  /**
   * Privacy: send all media through the TURN relay, so no other participant
   * learns our IP addresses. Needs a TURN server in the configuration.
   */
  relayOnly?: boolean;
  /**
   * A signaling connection opened ahead (on the pre-join screen) to the same
   * `url`: the join goes out on it at once. When it is gone by then, or the
   * server closes it as the join goes out, a new connection is opened.
   */
  preconnect?: SignalingPreconnect;
}

/** The signaling URL of the server that served this page. */
export function signalingUrl(location: Pick<Location, 'protocol' | 'host'> = window.location): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}
