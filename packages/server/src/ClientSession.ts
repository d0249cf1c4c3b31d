import type { WebSocket } from 'ws';
import {
  PROTOCOL_VERSION,
  protocolMismatchReason,
  decodeClientMessage,
  type ClientMessage,
  type ErrorCode,
  type MediaMessage,
  type MediaState,
  type PeerId,
  type PeerInfo,
  type PeerLeftReason,
  type ServerMessage,
  type SignalMessage,
  type WaiterInfo,
} from '@parley/protocol';
import type { Admission, Pass } from './Admission.js';
import { newParticipantId } from './ids.js';
import type { Logger } from './logger.js';
import type { Waiter } from './Lobby.js';
import type { Member } from './Member.js';
import type { Room } from './Room.js';
import { whenReady, type Maybe } from './maybe.js';
import { MessageTypeLimits } from './MessageTypeLimits.js';
import { RateLimiter } from './RateLimiter.js';
import { FloodCount } from './FloodCount.js';
import { PushLog } from './PushLog.js';
import { livenessVerdict, nextLookAt, type HeartbeatTiming } from './Heartbeat.js';
import { batchWritesThisTurn } from './writeBatching.js';
import type { ResumeClaims } from './ResumeTokens.js';
import type { RoomControlMessage } from './roomControl.js';
import type { SessionDeps } from './SessionDeps.js';
import { SessionJoin, type Seat } from './SessionJoin.js';
import { signalPush } from './signalPush.js';
import type { Delivery } from './cluster/RedisRoomService.js';
import { isLegalMove, type SessionState } from './SessionState.js';

/**
 * A socket that stops reading while we keep writing would grow our memory
 * without bound; past this many unsent bytes it is cut off.
 */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/**
 * Pushes kept for replay (about one heartbeat's worth normally); a suspended
 * participant with more than this waiting is let go rather than held.
 */
const MAX_PENDING_MESSAGES = 1000;
/**
 * Messages that arrive while a join is being checked wait for it, so replies
 * keep the order of requests; a client needs only a few (a leave, a media
 * state). Past this, they are refused.
 */
const MAX_DEFERRED = 64;

/** The heartbeat's answer for a connection it has nothing to ask of (most of them, most of the time). */
const WAIT = { verdict: 'wait' } as const;

/** `ws` sends a Buffer as a binary frame unless told otherwise; every message of ours is JSON text. */
const TEXT_FRAME = { binary: false } as const;

/** Close code for a participant a host removed (4000-4999: the application's own). */
export const CLOSE_REMOVED = 4001;

/**
 * One participant's connection: decodes what the client sends, enforces the
 * rules of the protocol, and is the room's Member while joined. A refused
 * message is answered with an error and changes nothing else.
 */
export class ClientSession implements Member, Waiter {
  readonly id: PeerId;
  #name = '';
  media: MediaState = { micMuted: false, cameraOff: false };
  #state: SessionState = 'connected';
  #room: Room | undefined;
  #socket: WebSocket;
  /** When we last heard from the client (a message or a pong); the heartbeat and the resume window count from here. */
  #lastSeenAt = Date.now();
  /** When the ping still waiting for its pong went out (see Heartbeat.ts). */
  #pingSentAt: number | undefined;
  #lastPingAt = 0;
  /** Before this, the heartbeat has nothing to do here (see nextLookAt). */
  #heartbeatDueAt = 0;
  #tokenNonce = '';
  /**
   * The nonce of the token the last `joined` replaced, while the client may
   * not have read that reply: a resume whose reply was lost (the socket died,
   * or the page was too busy to read it before giving up) comes back with the
   * older token. Void once the client says anything on the new socket.
   */
  #replacedNonce = '';
  /** Pushes are numbered; the ones the client may not have read are kept for a resume. */
  readonly #pushes = new PushLog(MAX_PENDING_MESSAGES);
  /** The highest `seq` of the client's signals and media we handled: repeats after a resume are dropped. */
  #clientSeq = 0;
  /** The room token this participant came in with: a host's removal forbids it. */
  #roomToken: Pass['token'];
  /** What the client sent while its join was being checked, handled in order once it is decided. */
  #deferred: string[] | undefined;
  #expiry: NodeJS.Timeout | undefined;
  readonly #limiter: RateLimiter;
  readonly #typeLimits = new MessageTypeLimits();
  /** Since when this connection has been in no room; the server closes it after JOIN_TIMEOUT_MS. */
  #roomlessSince: number | undefined = Date.now();
  /** Refusals for going too fast: made at the first one (most clients never get one). */
  #refused: FloodCount | undefined;
  /** When the message being handled was read: relay latency counts from here. */
  #readAt = 0;
  readonly #joining: SessionJoin;

  constructor(
    socket: WebSocket,
    private readonly deps: SessionDeps,
    /** The client's address (password guesses are counted per address). */
    readonly ip: string,
    id: PeerId = newParticipantId(),
  ) {
    this.#socket = socket;
    this.id = id;
    this.#limiter = new RateLimiter(deps.rateLimit.perSecond, deps.rateLimit.burst);
    this.#joining = new SessionJoin(new ClientSession.#Seat(this));
  }

  /**
   * What SessionJoin may touch of a session (see Seat). A class nested here
   * reaches the session's private state, and its methods live once on its
   * prototype: a seat is one small object per session, not a dozen closures.
   */
  static readonly #Seat = class implements Seat {
    constructor(private readonly session: ClientSession) {}
    get member(): ClientSession {
      return this.session;
    }
    get deps(): SessionDeps {
      return this.session.deps;
    }
    get ip(): string {
      return this.session.ip;
    }
    // Read only when a line is written (see #log).
    get log(): Logger {
      return this.session.#log;
    }
    state(): SessionState {
      return this.session.#state;
    }
    setState(next: SessionState): void {
      this.session.#setState(next);
    }
    room(): Room | undefined {
      return this.session.#room;
    }
    setRoom(room: Room | undefined): void {
      this.session.#room = room;
    }
    present(name: string, media: MediaState, roomToken?: Pass['token']): void {
      this.session.#name = name;
      this.session.media = media;
      this.session.#roomToken = roomToken;
    }
    enter(room: Room): void {
      this.session.#enterRoom(room);
    }
    sendJoined(requestId: number, how: 'join' | 'restore', peers: PeerInfo[], waiting?: WaiterInfo[]): void {
      this.session.#sendJoined(requestId, how, peers, waiting);
    }
    refuse(id: number | undefined, code: ErrorCode, reason: string): void {
      this.session.refuse(id, code, reason);
    }
    send(message: ServerMessage): void {
      this.session.#send(message);
    }
  };

  /**
   * A logger that tags every line with this participant. Made when a line is
   * written rather than kept: a session logs a few lines in its life, and a
   * pino child held by each of 10,000 idle sessions is memory for nothing.
   */
  get #log(): Logger {
    return this.deps.log.child({ participant: this.id });
  }

  get name(): string {
    return this.#name;
  }

  get state(): SessionState {
    return this.#state;
  }

  get socket(): WebSocket {
    return this.#socket;
  }

  /** The room this participant is a member of (not one whose lobby it waits in). */
  get room(): Room | undefined {
    return this.#state === 'joined' || this.#state === 'suspended' ? this.#room : undefined;
  }

  get roomName(): string | undefined {
    return this.room?.name;
  }

  /** Whether this participant runs its room (admits, denies, removes). */
  get isHost(): boolean {
    return this.#state === 'joined' || this.#state === 'suspended' ? (this.#room?.policy.isHost(this.id) ?? false) : false;
  }

  /** The nonce of the last resume token issued: only that token can resume this session. */
  get tokenNonce(): string {
    return this.#tokenNonce;
  }

  /**
   * Whether a resume token with this nonce may take this participant's place:
   * the latest token, or (only while the participant is away) the one before
   * it, if the client never confirmed it had the newer one.
   */
  acceptsResumeNonce(nonce: string): boolean {
    if (nonce === this.#tokenNonce) return true;
    return this.#state === 'suspended' && this.#replacedNonce !== '' && nonce === this.#replacedNonce;
  }

  /** When the connection last became roomless (accepted, or left); undefined while in a room or closed. */
  get roomlessSince(): number | undefined {
    return this.#state === 'connected' ? this.#roomlessSince : undefined;
  }

  /** The client said something (a message or a pong). */
  touch(): void {
    this.#lastSeenAt = Date.now();
  }

  /**
   * The heartbeat looks at this connection: `drop` it, `ping` it (the ping's
   * payload, which the pong echoes, is returned, and the ping recorded), or
   * leave it be.
   */
  heartbeat(now: number, timing: HeartbeatTiming): { verdict: 'drop' | 'wait' } | { verdict: 'ping'; payload: string } {
    if (now < this.#heartbeatDueAt) return WAIT;
    const facts = { now, lastHeardAt: this.#lastSeenAt, pingSentAt: this.#pingSentAt, lastPingAt: this.#lastPingAt, unacknowledged: this.#pushes.unread > 0 };
    const verdict = livenessVerdict(facts, timing);
    if (verdict === 'drop') return { verdict };
    if (verdict === 'ping') {
      facts.pingSentAt = facts.lastPingAt = this.#pingSentAt = this.#lastPingAt = now;
    }
    this.#heartbeatDueAt = nextLookAt(facts, timing);
    // The pong carries back the last push sent before the ping: everything up to it was read.
    return verdict === 'ping' ? { verdict, payload: String(this.#pushes.lastSeq) } : WAIT;
  }

  /**
   * A push from the room. It is numbered and kept until the client has surely
   * read it (a pong echoing its number, see `ponged`), so that a resume after a silent drop can
   * replay what went into the dead socket; while suspended it only waits.
   */
  deliver(encoded: string): void {
    if (this.#state === 'closed') return;
    const bytes = this.#pushes.record(encoded);
    // Something to acknowledge: the heartbeat may want to ask sooner than it planned.
    if (this.#pushes.unread === 1) this.#heartbeatDueAt = 0;
    if (this.#state === 'suspended') {
      if (this.#pushes.unread >= MAX_PENDING_MESSAGES) this.#expire('too many messages waiting');
      return;
    }
    this.#write(bytes);
  }

  /** The client answered a ping: it has read every push sent before that ping, whose number the pong echoes. */
  ponged(payload: Buffer): void {
    this.touch();
    this.#pingSentAt = undefined;
    this.#pushes.acknowledge(payload);
  }

  /** `data`: JSON text, as a string or its UTF-8 bytes (a kept push); sent as a text frame either way. */
  #write(data: string | Buffer): void {
    if (this.#socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.#log.warn({ buffered: this.#socket.bufferedAmount }, 'client is not reading; dropping it');
      this.#socket.terminate();
      return;
    }
    batchWritesThisTurn(this.#socket);
    this.#socket.send(data, TEXT_FRAME);
  }

  handleText(text: string): void {
    if (this.#state === 'closed') return;
    this.#readAt = performance.now();
    this.touch();
    // It speaks on this socket, so it read our replies, the latest token included.
    this.#replacedNonce = '';
    if (!this.#limiter.take()) return this.#rateLimited();
    if (this.#state === 'authorizing') {
      const deferred = (this.#deferred ??= []);
      if (deferred.length >= MAX_DEFERRED) return this.refuse(undefined, 'rate-limited', 'too many messages while a join is being checked');
      deferred.push(text);
      return;
    }
    this.#handle(text);
  }

  /** One message, in turn: decoded, held to its type's budget, and acted on. */
  #handle(text: string): void {
    const decoded = decodeClientMessage(text);
    if (!decoded.ok) {
      this.#log.debug({ code: decoded.code, reason: decoded.reason }, 'refused message');
      this.refuse(decoded.id, decoded.code, decoded.reason);
      return;
    }
    const { message } = decoded;
    if (!this.#typeLimits.take(message.type)) {
      // Read, so it can be answered by id: a client waiting for this reply is told, not left hanging.
      this.refuse(message.id, 'rate-limited', `too many ${message.type} messages; slow down`);
      this.#countRefusal();
      return;
    }
    this.#dispatch(message, text);
  }

  handleBinary(): void {
    if (!this.#limiter.take()) return this.#rateLimited();
    this.refuse(undefined, 'bad-message', 'binary frames are not part of the protocol; send JSON text');
  }

  /**
   * The socket is gone. A member without a `leave` keeps its place for the
   * resume window (counted from when we last heard from it); anyone else is
   * done. Safe to call twice.
   */
  handleClose(): void {
    if (this.#state === 'closed' || this.#state === 'suspended') return;
    if (this.#state === 'waiting') this.#joining.leaveLobby();
    if (this.#state === 'joined' && this.deps.resumeWindowMs > 0) {
      this.#setState('suspended');
      const left = Math.max(0, this.#lastSeenAt + this.deps.resumeWindowMs - Date.now());
      this.#expiry = setTimeout(() => this.#expire('resume window ended'), left);
      this.#expiry.unref();
      this.#log.info({ holdMs: left }, 'connection lost; holding the place');
      return;
    }
    this.#leaveRoom('disconnected');
    this.#setState('closed');
  }

  /**
   * The server is going away: end quietly. No `peer-left` goes out, so the
   * others keep their peer connections and resume on the next server.
   */
  shutdown(): void {
    clearTimeout(this.#expiry);
    this.#pushes.discard();
    this.#setState('closed');
  }

  /**
   * A resume on a new socket: the same participant carries on. The reply says
   * which of the client's messages we handled; then every push after the
   * client's `lastSeq` follows in order, including those written into the old
   * socket that never arrived.
   */
  adopt(socket: WebSocket, requestId: number, lastSeq: number | undefined, peers: PeerInfo[], waiting?: WaiterInfo[]): void {
    clearTimeout(this.#expiry);
    const previous = this.#socket;
    this.#socket = socket;
    if (previous !== socket) previous.terminate();
    this.#setState('joined');
    this.touch();
    // A ping on the old socket will never be answered; the new one starts afresh.
    this.#pingSentAt = undefined;
    this.#heartbeatDueAt = 0;
    const replay = this.#pushes.since(lastSeq);
    if (!replay.complete) this.#log.warn({ lastSeq: replay.from }, 'resumed with a gap: some pushes were no longer held');
    this.#log.info({ room: this.#room?.name, replayed: replay.pushes.length }, 'resumed');
    this.deps.metrics.joined('resume');
    this.#sendJoined(requestId, 'adopt', peers, waiting);
    for (const [, bytes] of replay.pushes) this.#write(bytes);
  }

  /** A resume for a participant this node does not hold: its token's claims put it back in its room. */
  restore(claims: ResumeClaims, requestId: number): Maybe<void> {
    return this.#joining.restore(claims, requestId);
  }

  /**
   * Another node took this participant over (it resumed there), or this node
   * was declared dead and its participants were taken out of every room: let
   * go of it without a word to the room and close its socket, so the client
   * resumes (wherever the balancer sends it).
   */
  release(why: 'moved' | 'evicted'): void {
    const room = this.#room;
    if (!room || (this.#state !== 'joined' && this.#state !== 'suspended')) return;
    const open = this.#state === 'joined';
    clearTimeout(this.#expiry);
    this.#pushes.discard();
    this.#room = undefined;
    this.deps.gateway.drop(room, this);
    this.deps.membershipChanged(this, false, 'moved');
    this.#setState('closed');
    this.#log.info({ room: room.name, why }, why === 'moved' ? 'resumed on another node; let go here' : 'this node was declared dead; let go');
    if (open) this.#socket.close(why === 'moved' ? 1000 : 1012, why === 'moved' ? 'resumed elsewhere' : 'node restarting; resume');
  }

  /** `refusedSeq`: the numbered signal refused, for a client that sent it without an `id` and may send it again. */
  refuse(id: number | undefined, code: ErrorCode, reason: string, refusedSeq?: number): void {
    this.deps.metrics.refused(code);
    if (id !== undefined) return this.#send({ type: 'error', id, code, message: reason });
    this.#send(refusedSeq === undefined ? { type: 'error', code, message: reason } : { type: 'error', code, message: reason, refusedSeq });
  }

  /** Refused unread: a flooding client costs us a counter, not a parse. */
  #rateLimited(): void {
    const now = Date.now();
    if ((this.#refused ??= new FloodCount()).tell(now)) {
      this.#log.warn('rate limited');
      this.refuse(undefined, 'rate-limited', 'too many messages; slow down');
    }
    this.#countRefusal(now);
  }

  /** Every refusal for going too fast counts; a client that keeps at it is a flood and is cut off. */
  #countRefusal(now = Date.now()): void {
    if ((this.#refused ??= new FloodCount()).count(now)) {
      this.#log.warn('flooding; closing the connection');
      this.#socket.close(1008, 'flooding');
    }
  }

  /** `text`: what `message` was decoded from (a signal's own text is relayed, see signalPush). */
  #dispatch(message: ClientMessage, text: string): void {
    switch (message.type) {
      case 'join':
        if (message.protocolVersion !== PROTOCOL_VERSION) return this.#refuseVersion(message.id, message.protocolVersion);
        this.#joining
          .join(message)
          .catch((error: unknown) => {
            this.#log.error({ err: error }, 'join failed');
            this.refuse(message.id, 'internal', 'the server failed while handling this join');
          })
          .finally(() => this.#handleDeferred());
        return;
      case 'resume':
        if (message.protocolVersion !== PROTOCOL_VERSION) return this.#refuseVersion(message.id, message.protocolVersion);
        if (this.#state !== 'connected') return this.refuse(message.id, 'already-joined', 'this connection is already in a room or joining one');
        return this.deps.resume(this, message);
      case 'leave':
        this.#leave();
        return this.#ok(message.id);
      case 'signal':
        return this.#signal(message, text);
      case 'media':
        return this.#media(message);
      case 'ice-servers':
        return this.#iceServers(message.id);
      case 'set-lobby':
      case 'admit':
      case 'deny':
      case 'remove':
        return this.#control(message);
      case 'ping':
        return this.#ok(message.id);
    }
  }

  /** The join is decided: what came meanwhile is handled, in order, unless it starts another join. */
  #handleDeferred(): void {
    const deferred = this.#deferred;
    while (deferred !== undefined && deferred.length > 0 && this.#state !== 'authorizing' && this.#state !== 'closed') {
      this.#handle(deferred.shift() as string);
    }
    // Nothing left to hold: the array goes with it (an idle session keeps none).
    if (this.#state === 'closed' || deferred?.length === 0) this.#deferred = undefined;
  }

  /** A host let us in from the lobby: the held join is answered now. */
  admit(room: Room): void {
    this.#joining.admit(room);
  }

  /** A host said no (or the call ended): the held join is refused; the connection may try again. */
  deny(reason: string): void {
    this.#joining.deny(reason);
  }

  /**
   * A host removed us: we are told why, leave the room, and the socket is
   * closed. Our resume token is void (the server remembers the removal) and so
   * is our room token, if we came with one.
   */
  expel(reason: string): void {
    const room = this.#room;
    if (!room || (this.#state !== 'joined' && this.#state !== 'suspended')) return;
    this.deps.admission.forbidToken(room.name, this.#roomToken);
    const wasSuspended = this.#state === 'suspended';
    this.#send({ type: 'removed', message: reason });
    this.#pushes.discard();
    clearTimeout(this.#expiry);
    this.#leaveRoom('removed');
    if (wasSuspended) this.#setState('closed');
    else this.#socket.close(CLOSE_REMOVED, 'removed by a host');
    this.#log.info({ room: room.name }, 'removed by a host');
  }

  #enterRoom(room: Room): void {
    this.#room = room;
    this.#setState('joined');
    this.#roomlessSince = undefined;
    this.deps.membershipChanged(this, true);
  }

  /**
   * `adopt`: the same session on a new socket; `restore`: rebuilt from a token; `join`: a new member.
   * `waiting`: for a host, who waits in the lobby, when this node's room does not hold the lobby (Redis).
   */
  #sendJoined(requestId: number, how: 'join' | 'adopt' | 'restore', peers: PeerInfo[], waiting?: WaiterInfo[]): void {
    const room = this.#room;
    if (!room) return;
    const grant = this.deps.iceServers(this.id);
    const host = room.policy.isHost(this.id);
    const { token, nonce } = this.deps.tokens.issue({
      participantId: this.id,
      room: room.name,
      name: this.#name,
      media: this.media,
      role: host ? 'host' : 'guest',
    });
    this.#replacedNonce = this.#tokenNonce;
    this.#tokenNonce = nonce;
    this.#send({
      type: 'joined',
      id: requestId,
      selfId: this.id,
      room: room.name,
      name: this.#name,
      peers,
      iceServers: grant.iceServers,
      ...(grant.validForMs === undefined ? {} : { iceServersValidForMs: grant.validForMs }),
      resumeToken: token,
      resumeWindowMs: this.deps.resumeWindowMs,
      seq: this.#pushes.lastSeq,
      ...(how === 'join' ? {} : { resumed: true }),
      // Only this session knows what it handled; a restored one cannot say.
      ...(how === 'adopt' ? { receivedSeq: this.#clientSeq } : {}),
      role: host ? 'host' : 'guest',
      lobby: room.policy.lobby,
      passwordProtected: room.policy.password !== undefined,
      ...(host ? { waiting: waiting ?? room.lobby.list() } : {}),
    });
  }

  /** A numbered message we already handled (resent after a resume): acknowledged, not relayed twice. */
  #isRepeat(seq: number | undefined): boolean {
    if (seq === undefined) return false;
    if (seq <= this.#clientSeq) return true;
    this.#clientSeq = seq;
    return false;
  }

  #refuseVersion(id: number, version: number): void {
    this.refuse(id, 'unsupported-protocol', protocolMismatchReason(version));
  }

  #control(message: RoomControlMessage): void {
    const room = this.#room;
    if (!room || this.#state !== 'joined') return this.refuse(message.id, 'not-joined', `join a room before "${message.type}"`);
    if (!room.policy.isHost(this.id)) return this.refuse(message.id, 'not-host', `only a host may "${message.type}"`);
    whenReady(
      this.deps.gateway.control(message, room, this, this.#log),
      (refusal) => {
        if (refusal) return this.refuse(message.id, refusal.code, refusal.reason);
        this.#ok(message.id);
      },
      (error) => {
        this.#log.error({ err: error }, 'a host action failed');
        this.refuse(message.id, 'internal', `the server failed while handling "${message.type}"`);
      },
    );
  }

  #signal(message: SignalMessage, text: string): void {
    const room = this.#state === 'joined' ? this.#room : undefined;
    if (!room) return this.refuse(message.id, 'not-joined', 'join a room before sending signals');
    if (message.to === this.id) return this.refuse(message.id, 'bad-target', 'a signal cannot be sent to yourself');
    if (this.#isRepeat(message.seq)) return this.#ok(message.id);
    const readAt = this.#readAt;
    const push = signalPush(this.id, message, text);
    const delivery = this.deps.gateway.sendTo(room, message.to, push.message, push.encoded);
    // Answered at once on one node: no closures made for every relayed message.
    if (!(delivery instanceof Promise)) return this.#signalRelayed(message, delivery, readAt);
    whenReady(
      delivery,
      (outcome) => this.#signalRelayed(message, outcome, readAt),
      (error) => this.#log.error({ err: error }, 'relaying a signal failed'),
    );
  }

  #signalRelayed(message: SignalMessage, outcome: Delivery, readAt: number): void {
    if (outcome === 'not-in-room') return this.refuse(message.id, 'not-in-room', `participant ${message.to} is not in this room`);
    if (outcome === 'unavailable') return this.refuse(message.id, 'unavailable', 'the other nodes cannot be reached right now; send it again shortly', message.seq);
    this.deps.metrics.relayed('signal', (performance.now() - readAt) / 1000);
    this.#ok(message.id);
  }

  #media(message: MediaMessage): void {
    const room = this.#state === 'joined' ? this.#room : undefined;
    if (!room) return this.refuse(message.id, 'not-joined', 'join a room before sending media state');
    if (this.#isRepeat(message.seq)) return this.#ok(message.id);
    this.media = { ...message.media };
    this.deps.gateway.updated(room, this);
    this.deps.gateway.broadcast(room, { type: 'peer-media', peerId: this.id, media: this.media }, this.id);
    this.deps.metrics.relayed('media', (performance.now() - this.#readAt) / 1000);
    this.#ok(message.id);
  }

  /** Fresh TURN credentials, for members only: they are bound to the participant id. */
  #iceServers(id: number): void {
    if (!this.#room || this.#state !== 'joined') return this.refuse(id, 'not-joined', 'join a room before asking for ICE servers');
    const grant = this.deps.iceServers(this.id);
    this.#send({
      type: 'ice-servers',
      id,
      iceServers: grant.iceServers,
      ...(grant.validForMs === undefined ? {} : { iceServersValidForMs: grant.validForMs }),
    });
  }

  #expire(why: string): void {
    clearTimeout(this.#expiry);
    this.#pushes.discard();
    this.#log.info({ why }, 'place given up');
    this.#leaveRoom('disconnected');
    this.#setState('closed');
  }

  /** `leave`: out of the room, out of the lobby, or a join under way abandoned. */
  #leave(): void {
    if (this.#state === 'authorizing') return this.#setState('connected');
    if (this.#state === 'waiting') {
      const id = this.#joining.heldJoinId;
      this.#joining.leaveLobby();
      this.#setState('connected');
      return this.refuse(id, 'lobby-denied', 'you left the lobby');
    }
    this.#leaveRoom('left');
  }

  #leaveRoom(reason: PeerLeftReason): void {
    const room = this.#room;
    if (!room || (this.#state !== 'joined' && this.#state !== 'suspended')) return;
    this.#room = undefined;
    if (this.#state === 'joined') this.#setState('connected');
    // Gone for good (a suspended host is not here, and keeps the role for its resume).
    room.policy.forget(this.id);
    this.deps.membershipChanged(this, false, reason);
    whenReady(
      this.deps.gateway.leave(room, this),
      (left) => {
        if (!left) return;
        this.deps.gateway.broadcast(room, { type: 'peer-left', peerId: this.id, reason });
        this.#log.info({ room: room.name, reason }, 'left');
      },
      (error) => this.#log.error({ err: error }, 'leaving the room failed'),
    );
  }

  #setState(next: SessionState): void {
    const previous = this.#state;
    if (next === previous) return;
    if (!isLegalMove(previous, next)) {
      this.#log.error({ from: previous, to: next }, 'illegal session state change refused');
      return;
    }
    this.#state = next;
    // The join timeout counts from when the connection last became roomless (a refusal, a denial, a leave).
    if (next === 'connected') this.#roomlessSince = Date.now();
    if (this.deps.log.isLevelEnabled('debug')) this.#log.debug({ from: previous, to: next }, 'session state');
  }

  /** JSON.stringify({ type: 'ok', id }) written out: an idle browser's keepalive is answered with it every few seconds. */
  #ok(id: number | undefined): void {
    if (id === undefined || this.#state === 'closed' || this.#state === 'suspended') return;
    this.#write(`{"type":"ok","id":${id}}`);
  }

  /** Replies are not numbered or kept: a request in flight when the socket drops fails on the client's side. */
  #send(message: ServerMessage): void {
    if (this.#state === 'closed' || this.#state === 'suspended') return;
    this.#write(JSON.stringify(message));
  }
}
