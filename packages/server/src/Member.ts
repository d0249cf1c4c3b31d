import type { MediaState, PeerId, PeerInfo } from '@parley/protocol';

/**
 * A participant as a room sees it: an identity and a way to deliver an encoded
 * message. The room never touches sockets, so it is tested without any.
 */
export interface Member {
  readonly id: PeerId;
  readonly name: string;
  media: MediaState;
  /** Delivers one already-encoded server message. Must not throw. */
  deliver(encoded: string): void;
  /** A host removed this participant: tell it why and take it out of the room. */
  expel(reason: string): void;
}

export function peerInfo(member: Member): PeerInfo {
  return { id: member.id, name: member.name, media: { ...member.media } };
}
