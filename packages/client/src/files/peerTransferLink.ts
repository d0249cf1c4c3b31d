import type { PeerLink } from '../PeerLink.js';
import type { RemoteParticipant } from '../RemoteParticipant.js';
import type { TransferLink } from './FileTransfers.js';

/** What a file transfer needs of a peer: who it is, its control messages, and channels of its own. */
export function peerTransferLink(link: PeerLink, participant: RemoteParticipant): TransferLink {
  return {
    peer: { id: participant.id, name: participant.name },
    sendControl: (message) => link.send(JSON.stringify(message)),
    createChannel: (label) => link.createChannel(label),
    maxMessageSize: () => link.maxMessageSize(),
  };
}
