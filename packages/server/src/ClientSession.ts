import type { WebSocket } from 'ws';
import {
  PROTOCOL_VERSION,
  decodeClientMessage,
  type ClientMessage,
  type ErrorCode,
  type JoinMessage,
  type MediaMessage,
  type MediaState,
  type PeerId,
  type PeerLeftReason,
  type ServerMessage,
  type SignalMessage,
} from '@parley/protocol';
import type { IceServerProvider } from './iceServers.js';
import { newParticipantId } from './ids.js';
import type { Logger } from './logger.js';
import type { Member } from './Member.js';
import type { Room } from './Room.js';
import type { RoomRegistry } from './RoomRegistry.js';

/**
 * A socket that stops reading while we keep writing would grow our memory
 * without bound; past this many unsent bytes it is cut off.
 */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export type SessionState = 'connected' | 'joined' | 'closed';

export interface SessionDeps {
  registry: RoomRegistry;
  iceServers: IceServerProvider;
  log: Logger;
}

/**
 * One WebSocket connection: decodes what the client sends, enforces the rules
 * of the protocol, and is the room's Member while joined. A refused message is
 * answered with an error and changes nothing else.
 */
export class ClientSession implements Member {
  readonly id: PeerId = newParticipantId();
  #name = '';
  media: MediaState = { micMuted: false, cameraOff: false };
  #state: SessionState = 'connected';
  #room: Room | undefined;
  /** Set on each pong; the heartbeat drops sessions that stay silent a whole interval. */
  alive = true;
  readonly #log: Logger;

  constructor(
    private readonly socket: WebSocket,
    private readonly deps: SessionDeps,
  ) {
    this.#log = deps.log.child({ participant: this.id });
  }

  get name(): string {
    return this.#name;
  }

  get state(): SessionState {
    return this.#state;
  }

  get roomName(): string | undefined {
    return this.#room?.name;
  }

  deliver(encoded: string): void {
    if (this.#state === 'closed') return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.#log.warn({ buffered: this.socket.bufferedAmount }, 'client is not reading; dropping it');
      this.socket.terminate();
      return;
    }
    this.socket.send(encoded);
  }

  handleText(text: string): void {
    if (this.#state === 'closed') return;
    const decoded = decodeClientMessage(text);
    if (!decoded.ok) {
      this.#log.debug({ code: decoded.code, reason: decoded.reason }, 'refused message');
      this.#refuse(decoded.id, decoded.code, decoded.reason);
      return;
    }
    this.#dispatch(decoded.message);
  }

  handleBinary(): void {
    this.#refuse(undefined, 'bad-message', 'binary frames are not part of the protocol; send JSON text');
  }

  /** The socket is gone: leave the room as "disconnected". Safe to call twice. */
  handleClose(): void {
    if (this.#state === 'closed') return;
    this.#leaveRoom('disconnected');
    this.#state = 'closed';
  }

  #dispatch(message: ClientMessage): void {
    switch (message.type) {
      case 'join':
        return this.#join(message);
      case 'leave':
        this.#leaveRoom('left');
        return this.#ok(message.id);
      case 'signal':
        return this.#signal(message);
      case 'media':
        return this.#media(message);
      case 'ice-servers':
        return this.#iceServers(message.id);
    }
  }

  #join(message: JoinMessage): void {
    if (message.protocolVersion !== PROTOCOL_VERSION) {
      return this.#refuse(
        message.id,
        'unsupported-protocol',
        `this server speaks protocol ${PROTOCOL_VERSION}, the client ${message.protocolVersion}; reload the page`,
      );
    }
    if (this.#state === 'joined') {
      return this.#refuse(message.id, 'already-joined', `already in room "${this.#room?.name}"; leave first`);
    }
    this.#name = message.name;
    this.media = { ...message.media };
    const joined = this.deps.registry.join(message.room, this);
    if (!joined.ok) return this.#refuse(message.id, joined.code, joined.reason);

    this.#room = joined.room;
    this.#state = 'joined';
    this.#log.info({ room: message.room, peers: joined.peers.length }, 'joined');
    const grant = this.deps.iceServers(this.id);
    this.#send({
      type: 'joined',
      id: message.id,
      selfId: this.id,
      room: message.room,
      peers: joined.peers,
      iceServers: grant.iceServers,
      ...(grant.validForMs === undefined ? {} : { iceServersValidForMs: grant.validForMs }),
    });
    joined.room.broadcast({ type: 'peer-joined', peer: { id: this.id, name: this.#name, media: this.media } }, this.id);
  }

  #signal(message: SignalMessage): void {
    const room = this.#room;
    if (!room) return this.#refuse(message.id, 'not-joined', 'join a room before sending signals');
    if (message.to === this.id) return this.#refuse(message.id, 'bad-target', 'a signal cannot be sent to yourself');
    // `from` is ours to stamp: the decoded message has no such field to trust.
    const delivered = room.sendTo(message.to, { type: 'signal', from: this.id, signal: message.signal });
    if (!delivered) return this.#refuse(message.id, 'not-in-room', `participant ${message.to} is not in this room`);
    this.#ok(message.id);
  }

  #media(message: MediaMessage): void {
    const room = this.#room;
    if (!room) return this.#refuse(message.id, 'not-joined', 'join a room before sending media state');
    this.media = { ...message.media };
    room.broadcast({ type: 'peer-media', peerId: this.id, media: this.media }, this.id);
    this.#ok(message.id);
  }

  /** Fresh TURN credentials, for members only: they are bound to the participant id. */
  #iceServers(id: number): void {
    if (!this.#room) return this.#refuse(id, 'not-joined', 'join a room before asking for ICE servers');
    const grant = this.deps.iceServers(this.id);
    this.#send({
      type: 'ice-servers',
      id,
      iceServers: grant.iceServers,
      ...(grant.validForMs === undefined ? {} : { iceServersValidForMs: grant.validForMs }),
    });
  }

  #leaveRoom(reason: PeerLeftReason): void {
    const room = this.#room;
    if (!room) return;
    this.#room = undefined;
    this.#state = 'connected';
    if (this.deps.registry.leave(room, this)) {
      room.broadcast({ type: 'peer-left', peerId: this.id, reason });
      this.#log.info({ room: room.name, reason }, 'left');
    }
  }

  #ok(id: number | undefined): void {
    if (id !== undefined) this.#send({ type: 'ok', id });
  }

  #refuse(id: number | undefined, code: ErrorCode, reason: string): void {
    this.#send(id === undefined ? { type: 'error', code, message: reason } : { type: 'error', id, code, message: reason });
  }

  #send(message: ServerMessage): void {
    this.deliver(JSON.stringify(message));
  }
}
