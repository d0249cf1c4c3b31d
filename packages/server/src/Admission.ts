import type { ErrorCode, PeerInfo, Role } from '@parley/protocol';
import { AttemptLimiter } from './AttemptLimiter.js';
import type { Waiter } from './Lobby.js';
import type { Member } from './Member.js';
import { PasswordHash } from './PasswordHash.js';
import type { Maybe } from './maybe.js';
import type { Room } from './Room.js';
import type { RoomRegistry } from './RoomRegistry.js';
import { RoomPolicy } from './RoomPolicy.js';
import type { RoomTokens } from './RoomTokens.js';
import type { DirectoryResult } from './cluster/RedisRoomDirectory.js';
import { decodeSharedPolicy } from './cluster/SharedPolicy.js';

/** Rooms shared with other nodes: the rules of a room that has members elsewhere (SharedPolicy JSON), if any. */
export interface SharedRules {
  policy(room: string): Promise<DirectoryResult<string | undefined>>;
}

/**
 * Wrong-password guesses: counted in this process (AttemptLimiter), or with
 * Redis for every node at once (RedisAttemptLimiter); `unavailable`: Redis
 * cannot say, and the join is refused as such.
 */
export interface GuessCounter {
  take(key: string): Maybe<boolean | 'unavailable'>;
  refund(key: string): void;
}

/** Room tokens hosts removed: this process's (RemovedTokens) or every node's (RedisRemovedTokens). */
export interface RemovedTokenStore {
  add(room: string, tokenId: string, expiresAt: number): void;
  has(room: string, tokenId: string): Maybe<boolean | 'unavailable'>;
}

/** Wrong passwords allowed per address and per room within the window, before `rate-limited`. */
export const PASSWORD_ATTEMPTS = 5;
export const PASSWORD_WINDOW_MS = 60_000;
/** Rooms created with a password per address per window: each costs a slow hash. */
const PASSWORD_CREATIONS = 30;

export interface JoinRequest {
  room: string;
  name: string | undefined;
  password: string | undefined;
  token: string | undefined;
  lobby: boolean | undefined;
  /** The address the request came from: password guesses are counted per address. */
  ip: string;
}

/** What the slow checks established about a join; `place()` acts on it if the room is still as it was. */
export interface Pass {
  room: string;
  name: string;
  /** From a room token; undefined: the creator hosts, everyone else is a guest. */
  role: Role | undefined;
  token: { id: string; expiresAt: number } | undefined;
  /** The room as it stood when checked; undefined: there was none and this join creates it. */
  checkedRoom: Room | undefined;
  /** The rules of the room this join creates. */
  newPolicy: RoomPolicy | undefined;
}

export type Refusal = { ok: false; code: ErrorCode; reason: string };
export type Check = { ok: true; pass: Pass } | Refusal;

export type Placement =
  | { kind: 'entered'; room: Room; peers: PeerInfo[]; host: boolean }
  | { kind: 'waiting'; room: Room }
  | { kind: 'refused'; code: ErrorCode; reason: string }
  /** The room changed while the checks ran (created, emptied, recreated): check again. */
  | { kind: 'stale' };

/**
 * The door of every room. `check()` does the slow, asynchronous part (room
 * token signature, password hash) and changes nothing but attempt counters;
 * `place()` then decides synchronously — enter, wait in the lobby, or refuse —
 * against the room as it is at that moment, so two joins racing for one
 * room name cannot both create it or slip past a password set meanwhile.
 */
export class Admission {
  /** Counted on this node: each creation costs this node a slow hash. */
  readonly #creations = new AttemptLimiter(PASSWORD_CREATIONS, PASSWORD_WINDOW_MS);

  constructor(
    private readonly registry: RoomRegistry,
    private readonly removed: RemovedTokenStore,
    /** Undefined: rooms are open to whoever has the link (no JWT secret configured). */
    private readonly roomTokens: RoomTokens | undefined,
    /** Undefined: this process holds every room (no REDIS_URL). */
    private readonly shared: SharedRules | undefined = undefined,
    /** Wrong passwords per address and per room; with Redis, counted for every node. */
    private readonly guesses: GuessCounter = new AttemptLimiter(PASSWORD_ATTEMPTS, PASSWORD_WINDOW_MS),
  ) {}

  async check(request: JoinRequest): Promise<Check> {
    let name = request.name;
    let role: Role | undefined;
    let token: Pass['token'];
    if (this.roomTokens) {
      if (request.token === undefined) {
        return refuse('token-required', 'this server admits only holders of a room token; open the link you were given');
      }
      const verified = await this.roomTokens.verify(request.token, request.room);
      if (!verified.ok) return refuse('bad-token', verified.reason);
      const { claims } = verified;
      const removed = await this.removed.has(request.room, claims.tokenId);
      if (removed === 'unavailable') return refuse('unavailable', 'the rooms cannot be reached right now; try again shortly');
      if (removed) return refuse('removed', 'a host removed you from this room; this token no longer opens it');
      ({ name, role } = claims);
      token = { id: claims.tokenId, expiresAt: claims.exp * 1000 };
    }
    // Without a secret a token cannot be trusted, so it is ignored rather than half believed.
    if (name === undefined) return refuse('bad-name', 'name: a name is required');

    const pass = { room: request.room, name, role, token };
    const room = this.registry.get(request.room);
    if (!room && this.shared) {
      const elsewhere = await this.#checkShared(request);
      if (elsewhere) return elsewhere.ok ? { ok: true, pass: { ...pass, ...elsewhere.pass } } : elsewhere;
    }
    if (!room) {
      let password: PasswordHash | undefined;
      if (request.password !== undefined) {
        if (!this.#creations.take(request.ip)) return refuse('rate-limited', 'too many password-protected rooms created from your address; wait a minute');
        password = await PasswordHash.create(request.password);
      }
      return { ok: true, pass: { ...pass, checkedRoom: undefined, newPolicy: new RoomPolicy({ password, lobby: request.lobby }) } };
    }
    const hash = room.policy.password;
    if (hash) {
      if (request.password === undefined) return refuse('password-required', `room "${request.room}" has a password`);
      const refusal = await this.#tryPassword(hash, request.password, request.ip, request.room);
      if (refusal) return refusal;
    }
    return { ok: true, pass: { ...pass, checkedRoom: room, newPolicy: undefined } };
  }

  /**
   * Acts on a pass, synchronously. A creator hosts unless its token says
   * `guest`; a token with `host` hosts any room and skips the lobby.
   */
  place(pass: Pass, member: Member & Waiter): Placement {
    const current = this.registry.get(pass.room);
    if (current !== pass.checkedRoom) return { kind: 'stale' };
    if (!current) {
      const policy = pass.newPolicy ?? new RoomPolicy();
      const created = this.registry.create(pass.room, policy, member);
      if (!created.ok) return { kind: 'stale' };
      const host = pass.role !== 'guest';
      if (host) policy.addHost(member.id);
      return { kind: 'entered', room: created.room, peers: [], host };
    }
    const host = pass.role === 'host';
    if (!this.registry.hasSpace(current)) {
      return { kind: 'refused', code: 'room-full', reason: `room "${current.name}" is full` };
    }
    // Rooms shared through Redis: the lobby is decided there, with the place (RoomGateway.claim).
    if (current.policy.lobby && !host && !this.shared) {
      if (!current.lobby.add(member)) return { kind: 'refused', code: 'room-full', reason: `too many people are waiting to enter room "${current.name}"` };
      current.broadcastToHosts({ type: 'knock', peer: { id: member.id, name: member.name } });
      return { kind: 'waiting', room: current };
    }
    const joined = this.registry.enter(current, member);
    if (!joined.ok) return { kind: 'refused', code: joined.code, reason: joined.reason };
    if (host) current.policy.addHost(member.id);
    return { kind: 'entered', room: current, peers: joined.peers, host };
  }

  /** Remembers that a removed participant's room token no longer opens the room. */
  forbidToken(room: string, token: Pass['token']): void {
    if (token) this.removed.add(room, token.id, token.expiresAt);
  }

  /**
   * A room this node does not hold may live on other nodes: then its password
   * is theirs (checked here like any other), and this joiner makes none of its
   * rules. Undefined when the room exists nowhere: this join creates it.
   */
  async #checkShared(request: JoinRequest): Promise<{ ok: true; pass: Pick<Pass, 'checkedRoom' | 'newPolicy'> } | Refusal | undefined> {
    const stored = await (this.shared as SharedRules).policy(request.room);
    if (!stored.ok) return refuse('unavailable', 'the rooms cannot be reached right now; try again shortly');
    if (stored.value === undefined) return undefined;
    const rules = decodeSharedPolicy(stored.value);
    // Rules this server cannot read (another version wrote them): nobody gets in past them.
    if (!rules) return refuse('internal', `room "${request.room}" has rules this server cannot read`);
    if (rules.password) {
      if (request.password === undefined) return refuse('password-required', `room "${request.room}" has a password`);
      const refusal = await this.#tryPassword(rules.password, request.password, request.ip, request.room);
      if (refusal) return refusal;
    }
    return { ok: true, pass: { checkedRoom: undefined, newPolicy: new RoomPolicy({ password: rules.password, lobby: rules.lobby }) } };
  }

  /**
   * Counted before the hash is computed (so parallel guesses cannot all slip
   * through while it runs) and given back when the password is right.
   */
  async #tryPassword(hash: PasswordHash, password: string, ip: string, room: string): Promise<Refusal | undefined> {
    const byAddress = `ip ${ip}`;
    const byRoom = `room ${room}`;
    const unavailable = () => refuse('unavailable', 'password attempts cannot be counted right now; try again shortly');
    const address = await this.guesses.take(byAddress);
    if (address === 'unavailable') return unavailable();
    if (!address) return refuse('rate-limited', 'too many wrong passwords from your address; wait a minute');
    const inRoom = await this.guesses.take(byRoom);
    if (inRoom !== true) this.guesses.refund(byAddress);
    if (inRoom === 'unavailable') return unavailable();
    if (!inRoom) return refuse('rate-limited', 'too many wrong passwords for this room; wait a minute');
    if (!(await hash.matches(password))) return refuse('wrong-password', 'the password is wrong');
    this.guesses.refund(byAddress);
    this.guesses.refund(byRoom);
    return undefined;
  }
}

function refuse(code: ErrorCode, reason: string): Refusal {
  return { ok: false, code, reason };
}
