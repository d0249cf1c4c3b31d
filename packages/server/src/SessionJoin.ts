import type { ErrorCode, JoinMessage, MediaState, PeerInfo, Role, ServerMessage, WaiterInfo } from '@parley/protocol';
import type { Pass } from './Admission.js';
import type { SessionDeps } from './SessionDeps.js';
import type { SessionState } from './SessionState.js';
import type { Waiter } from './Lobby.js';
import type { Logger } from './logger.js';
import type { Maybe } from './maybe.js';
import type { Member } from './Member.js';
import type { ResumeClaims } from './ResumeTokens.js';
import type { Room } from './Room.js';
import type { Claim } from './RoomGateway.js';

/** How often a join may find its room changed under it (created, emptied) before giving up. */
const MAX_PLACE_ATTEMPTS = 3;

/**
 * The parts of a ClientSession its way in may touch. The session hands them
 * over as closures over its private state, so only this collaborator sees them.
 */
export interface Seat {
  readonly member: Member & Waiter;
  readonly deps: SessionDeps;
  /** The client's address (password guesses are counted per address). */
  readonly ip: string;
  readonly log: Logger;
  state(): SessionState;
  setState(next: SessionState): void;
  /** The room as the session holds it: also while a join is checked, or waits in the lobby. */
  room(): Room | undefined;
  setRoom(room: Room | undefined): void;
  /** Who the participant is in the room: its name, media, and the room token it came with. */
  present(name: string, media: MediaState, roomToken?: Pass['token']): void;
  /** Now a member of `room`. */
  enter(room: Room): void;
  /** `waiting`: for a host, who waits in the lobby when this node's room does not know (rooms shared through Redis). */
  sendJoined(requestId: number, how: 'join' | 'restore', peers: PeerInfo[], waiting?: WaiterInfo[]): void;
  refuse(id: number | undefined, code: ErrorCode, reason: string): void;
  send(message: ServerMessage): void;
}

/**
 * One participant's way into a room: a `join` checked (room token, password)
 * and placed (in, in the lobby, refused), a lobby's answer, or a `resume`
 * restored from its token; each ending with a place claimed among the room's
 * members on every node. The session stays `authorizing` (or `waiting`)
 * throughout, so nothing else starts meanwhile.
 */
export class SessionJoin {
  /** The id of a join held in a lobby: its answer comes when a host decides. */
  #heldJoinId = 0;
  /** The role the held join's room token gave (a guest's token keeps it a guest if it ends up creating the room). */
  #heldRole: Role | undefined;
  /** Counts joins on this connection: a check that finishes after its join was abandoned is ignored. */
  #serial = 0;

  constructor(private readonly seat: Seat) {}

  /** The join held in the lobby, to answer when the participant leaves it. */
  get heldJoinId(): number {
    return this.#heldJoinId;
  }

  async join(message: JoinMessage): Promise<void> {
    const seat = this.seat;
    const state = seat.state();
    if (state !== 'connected') {
      const where = state === 'joined' ? `already in room "${seat.room()?.name}"; leave first` : 'a join is already under way on this connection';
      return seat.refuse(message.id, 'already-joined', where);
    }
    seat.setState('authorizing');
    const serial = ++this.#serial;
    const abandoned = () => seat.refuse(message.id, 'not-joined', 'the join was abandoned (leave) before it was decided');
    const request = { room: message.room, name: message.name, password: message.password, token: message.token, lobby: message.lobby, ip: seat.ip };
    for (let attempt = 0; attempt < MAX_PLACE_ATTEMPTS; attempt++) {
      let check;
      try {
        check = await seat.deps.admission.check(request);
      } catch (error) {
        seat.log.error({ err: error }, 'join check failed');
        check = { ok: false as const, code: 'internal' as const, reason: 'the server could not check this join' };
      }
      // Left, or the socket closed, while the checks ran: the leave was the answer.
      if (seat.state() !== 'authorizing' || serial !== this.#serial) return abandoned();
      if (!check.ok) {
        seat.setState('connected');
        seat.log.info({ room: message.room, code: check.code }, 'join refused');
        return seat.refuse(message.id, check.code, check.reason);
      }
      seat.present(check.pass.name, { ...message.media }, check.pass.token);
      const role = check.pass.role;
      const placed = seat.deps.admission.place(check.pass, seat.member);
      switch (placed.kind) {
        case 'stale':
          continue;
        case 'refused':
          seat.setState('connected');
          return seat.refuse(message.id, placed.code, placed.reason);
        case 'waiting':
          return this.#wait(placed.room, message.id, role);
        case 'entered': {
          const { room } = placed;
          seat.setRoom(room);
          const pending = seat.deps.gateway.claim(room, seat.member, placed.peers, role, 'checked', 'knock');
          // Without Redis the claim is already made: no await, so placing and announcing stay one step, as they always were.
          const claim = pending instanceof Promise ? await pending : pending;
          if (!claim.ok && claim.code === 'changed' && seat.state() === 'authorizing' && serial === this.#serial) {
            seat.setRoom(undefined);
            continue;
          }
          return await this.#afterClaim(
            claim,
            'authorizing',
            serial,
            (claimed) => {
              if (!claimed.ok && claimed.code === 'waiting') return this.#wait(room, message.id, role);
              if (!claimed.ok) return this.#backOut(message.id, claimed.code, claimed.reason);
              this.#entered(room, message.id, 'join', claimed, true);
              seat.log.info({ room: message.room, peers: claimed.peers.length, host: room.policy.isHost(seat.member.id) }, 'joined');
            },
            abandoned,
          );
        }
      }
    }
    seat.setState('connected');
    seat.refuse(message.id, 'internal', 'the room kept changing while this join was checked; try again');
  }

  /** Held in the lobby of `room`: the join is answered when a host decides. */
  #wait(room: Room, requestId: number, role: Role | undefined): void {
    const seat = this.seat;
    seat.setRoom(room);
    this.#heldJoinId = requestId;
    this.#heldRole = role;
    seat.setState('waiting');
    seat.log.info({ room: room.name }, 'waiting in the lobby');
    seat.send({ type: 'lobby-waiting', id: requestId });
  }

  /**
   * A host let the participant in from the lobby: the held join is answered
   * now. With Redis the room may have no member on this node (its `Room` here
   * ended while the participant waited): this node's room of that name is
   * found or made again, and Redis hands it the room's rules.
   */
  admit(room: Room): void {
    const seat = this.seat;
    if (seat.state() !== 'waiting') return;
    const { registry, gateway } = seat.deps;
    const joined = gateway.isShared ? registry.join(room.name, seat.member) : registry.enter(room, seat.member);
    if (!joined.ok) return this.#backOut(this.#heldJoinId, joined.code, joined.reason);
    const here = joined.room;
    seat.setRoom(here);
    void this.#afterClaim(gateway.claim(here, seat.member, joined.peers, this.#heldRole, 'trusted', 'skip'), 'waiting', this.#serial, (claimed) => {
      if (!claimed.ok) return this.#backOut(this.#heldJoinId, claimed.code, claimed.reason);
      this.#entered(here, this.#heldJoinId, 'join', claimed, true);
      seat.log.info({ room: here.name }, 'admitted from the lobby');
    });
  }

  /** A host said no (or the call ended): the held join is refused; the connection may try again. */
  deny(reason: string): void {
    const seat = this.seat;
    if (seat.state() !== 'waiting') return;
    seat.setRoom(undefined);
    seat.setState('connected');
    seat.log.info('denied entry');
    seat.refuse(this.#heldJoinId, 'lobby-denied', reason);
  }

  /** Out of the lobby on the participant's own: the hosts' list loses it, on every node. */
  leaveLobby(): void {
    const room = this.seat.room();
    this.seat.setRoom(undefined);
    if (room) this.seat.deps.gateway.leaveLobby(room, this.seat.member);
  }

  /**
   * A resume for a participant this node does not hold (it restarted, or
   * another node held it): the token's claims put it back in its room under
   * the same id.
   */
  restore(claims: ResumeClaims, requestId: number): Maybe<void> {
    const seat = this.seat;
    seat.present(claims.name, { ...claims.media });
    const joined = seat.deps.registry.join(claims.room, seat.member);
    if (!joined.ok) return seat.refuse(requestId, 'resume-failed', joined.reason);
    const { room } = joined;
    seat.setRoom(room);
    return this.#afterClaim(seat.deps.gateway.claim(room, seat.member, joined.peers, claims.role, 'trusted', 'skip'), 'connected', this.#serial, (claimed) => {
      if (!claimed.ok) {
        seat.setRoom(undefined);
        return seat.refuse(requestId, claimed.code === 'unavailable' ? 'unavailable' : 'resume-failed', claimed.reason);
      }
      // The room's policy did not survive the restart; a host's role did, in its signed token.
      if (claims.role === 'host') room.policy.addHost(seat.member.id);
      // Still listed (held by a node that died or let it go): to the others it never left.
      this.#entered(room, requestId, 'restore', claimed, claimed.movedFrom === undefined);
      seat.log.info({ room: claims.room, movedFrom: claimed.movedFrom }, 'restored from a resume token');
    });
  }

  /**
   * In: the reply, then what other nodes pushed meanwhile (their members saw
   * this one in the room before this node read its place), and the others
   * told (unless they never saw the participant go).
   */
  #entered(room: Room, requestId: number, how: 'join' | 'restore', claimed: Extract<Claim, { ok: true }>, announce: boolean): void {
    const { seat } = this;
    const member = seat.member;
    seat.enter(room);
    seat.deps.metrics.joined(how);
    seat.sendJoined(requestId, how, claimed.peers, claimed.waiting);
    for (const encoded of claimed.early ?? []) member.deliver(encoded);
    if (announce) seat.deps.gateway.broadcast(room, { type: 'peer-joined', peer: { id: member.id, name: member.name, media: member.media } }, member.id);
  }

  /** Refused after all: back to roomless, the request answered with why. */
  #backOut(requestId: number, code: ErrorCode | 'changed' | 'waiting', reason: string): void {
    this.seat.setRoom(undefined);
    this.seat.setState('connected');
    // `changed` is retried by a join; anywhere else the room moved under a decided answer.
    this.seat.refuse(requestId, code === 'changed' || code === 'waiting' ? 'internal' : code, reason);
  }

  /**
   * Goes on with a claimed place if the session is still where it was when
   * the claim was made (`from`); otherwise (the socket closed, a leave came)
   * the place is given back. Without Redis the claim is already there and
   * nothing can change in between.
   */
  #afterClaim(claim: Maybe<Claim>, from: SessionState, serial: number, then: (claim: Claim) => void, abandoned?: () => void): Maybe<void> {
    const seat = this.seat;
    const room = seat.room();
    const settled = (result: Claim) => {
      if (seat.state() === from && serial === this.#serial) return then(result);
      const state = seat.state();
      if (seat.room() === room && state !== 'joined' && state !== 'suspended') seat.setRoom(undefined);
      if (result.ok && room) void seat.deps.gateway.leave(room, seat.member);
      // Put in a lobby (Redis) by a join that was abandoned meanwhile: out of it again.
      if (!result.ok && result.code === 'waiting' && room) seat.deps.gateway.leaveLobby(room, seat.member);
      abandoned?.();
    };
    if (!(claim instanceof Promise)) return settled(claim);
    return claim.then(settled, (error: unknown) => {
      seat.log.error({ err: error }, 'taking a place in the room failed');
      if (seat.state() === from) seat.refuse(undefined, 'internal', 'the server failed while placing you in the room');
    });
  }
}
