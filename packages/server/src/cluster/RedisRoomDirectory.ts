import type { Redis } from 'ioredis';
import type { MediaState, PeerId } from '@parley/protocol';
import { ClusterKeys } from './ClusterKeys.js';
import { LuaScript } from './LuaScript.js';
import { redisConnection, unavailable, type Unavailable } from './redisConnection.js';

/** A room member as every node sees it: who, and which node holds its connection. */
export interface DirectoryEntry {
  id: PeerId;
  node: string;
  name: string;
  media: MediaState;
}

/** Someone waiting at a room's door, as every node sees them: who, and which node holds their connection. */
export interface LobbyEntry {
  id: PeerId;
  node: string;
  name: string;
  /** When they knocked (Redis time, microseconds, as a fixed-width string): the lobby lists oldest first. */
  at: string;
}

/**
 * Who a joiner may be: `creator` hosts if its join makes the room (no room
 * token), `always` hosts (a token or resume token with role host), `never`
 * (a token with role guest).
 */
export type HostMode = 'creator' | 'always' | 'never';

/**
 * Whether the room's lobby applies: `knock` (a new join: it waits if the
 * lobby is on), `skip` (a host let it in, or it resumes a place it had).
 */
export type LobbyMode = 'knock' | 'skip';

export interface JoinAccess {
  host: HostMode;
  lobby: LobbyMode;
  /** People allowed to wait at once; more knocks are refused. */
  lobbyMax: number;
}

export type DirectoryJoinResult =
  | {
      ok: true;
      /** Everyone in the room now, the joiner included, read in the same atomic step as the join. */
      members: DirectoryEntry[];
      /** The node that held this participant before (a resume onto another node); it should let go quietly. */
      movedFrom?: string;
      /** The room's policy (JSON): set by this join if it created the room, else the one there was. */
      policy: string;
      /** Whether the joiner is one of the room's hosts. */
      host: boolean;
      /** Who waits in the lobby, oldest first (for a host's `joined`). */
      waiting: LobbyEntry[];
    }
  | { ok: false; code: 'room-full'; reason: string }
  /** The lobby is on: the joiner now waits in it; `hosts` are to be told of the knock. */
  | { ok: false; code: 'waiting'; hosts: DirectoryEntry[] }
  | Unavailable;

export type DirectoryResult<T> = { ok: true; value: T } | Unavailable;

/** A removal of a dead node's participants: which rooms lost whom. */
export interface Eviction {
  node: string;
  removed: { room: string; id: PeerId }[];
  /** People it held waiting in a room's lobby, now out of it. */
  waitersGone: { room: string; id: PeerId }[];
}

/**
 * Lua helpers for the per-node index of lobby waiters (ClusterKeys.nodeWaiters):
 * `index_waiter` when someone starts waiting, `unindex_waiter` (with the
 * lobby entry's JSON, which names the node) when they stop, whoever ends it.
 */
export const WAITER_INDEX_LUA = `
local function index_waiter(prefix, node, id, room)
  redis.call('HSET', prefix .. 'node:' .. node .. ':waiters', id, room)
end
local function unindex_waiter(prefix, entry, id)
  local ok, decoded = pcall(cjson.decode, entry)
  if ok and type(decoded) == 'table' and type(decoded.node) == 'string' then
    redis.call('HDEL', prefix .. 'node:' .. decoded.node .. ':waiters', id)
  end
end
local function unindex_lobby(prefix, lobby_key)
  local all = redis.call('HGETALL', lobby_key)
  for i = 1, #all, 2 do unindex_waiter(prefix, all[i + 1], all[i]) end
  return all
end
`;

/**
 * Removes every participant held by node ARGV[2] (key prefix ARGV[1]) from
 * its rooms, unless the entry already names another node (it moved), and
 * every waiter it held from the lobbies; returns `room, id, room, id, …` for
 * each. Shared with NodePresence's reaper so that declaring a node dead and
 * removing its members and waiters is one atomic step.
 */
export const EVICT_NODE_LUA = `${WAITER_INDEX_LUA}
local function evict(prefix, node)
  local held_key = prefix .. 'node:' .. node .. ':members'
  local held = redis.call('HGETALL', held_key)
  local removed = {}
  for i = 1, #held, 2 do
    local id, room = held[i], held[i + 1]
    local room_key = prefix .. 'room:' .. room
    local entry = redis.call('HGET', room_key, id)
    if entry and cjson.decode(entry).node == node then
      redis.call('HDEL', room_key, id)
      redis.call('SREM', room_key .. ':hosts', id)
      if redis.call('HLEN', room_key) == 0 then
        unindex_lobby(prefix, room_key .. ':lobby')
        redis.call('DEL', room_key .. ':policy', room_key .. ':hosts', room_key .. ':lobby')
      end
      removed[#removed + 1] = room
      removed[#removed + 1] = id
    end
  end
  redis.call('DEL', held_key)
  -- Its waiters: nobody would ever answer them, and the hosts would see them knock forever.
  local waiters_key = prefix .. 'node:' .. node .. ':waiters'
  local waiters = redis.call('HGETALL', waiters_key)
  local gone = {}
  for i = 1, #waiters, 2 do
    local id, room = waiters[i], waiters[i + 1]
    local lobby_key = prefix .. 'room:' .. room .. ':lobby'
    local entry = redis.call('HGET', lobby_key, id)
    local ok, decoded = pcall(cjson.decode, entry or '')
    if ok and type(decoded) == 'table' and decoded.node == node then
      redis.call('HDEL', lobby_key, id)
      gone[#gone + 1] = room
      gone[#gone + 1] = id
    end
  end
  redis.call('DEL', waiters_key)
  return removed, gone
end
`;

/**
 * KEYS: room, this node's members, room policy. ARGV: id, entry JSON,
 * capacity, room name, key prefix, node, policy JSON, host mode, lobby mode,
 * lobby max. A participant already in the room (resuming onto this node) is
 * moved here and never counted twice; anyone else is refused when the room is
 * at capacity, and waits in the lobby (`room:<name>:lobby`) when the room's
 * policy has it on and the joiner may not skip it. The first member sets the
 * room's policy; later ones are handed the one there is. Returns {'full',
 * size}, {'lobby-full'}, {'waiting', {host id, entry, …}} or {'joined',
 * previous node or '', policy, is host '1'/'0', {id, entry, …}, {waiter id,
 * lobby entry, …}}.
 */
const JOIN = new LuaScript(
  'join',
  `${WAITER_INDEX_LUA}
local hosts_key = KEYS[1] .. ':hosts'
local lobby_key = KEYS[1] .. ':lobby'
local existing = redis.call('HGET', KEYS[1], ARGV[1])
local previous = ''
local size = redis.call('HLEN', KEYS[1])
if existing then
  previous = cjson.decode(existing).node
  if previous ~= ARGV[6] then
    redis.call('HDEL', ARGV[5] .. 'node:' .. previous .. ':members', ARGV[1])
  end
else
  if size >= tonumber(ARGV[3]) then return {'full', tostring(size)} end
  if size == 0 then
    redis.call('SET', KEYS[3], ARGV[7])
    redis.call('DEL', hosts_key, lobby_key)
  elseif ARGV[9] == 'knock' and ARGV[8] ~= 'always' then
    local ok, policy = pcall(cjson.decode, redis.call('GET', KEYS[3]) or '{}')
    if ok and type(policy) == 'table' and policy.lobby == true then
      if redis.call('HEXISTS', lobby_key, ARGV[1]) == 0 and redis.call('HLEN', lobby_key) >= tonumber(ARGV[10]) then return {'lobby-full'} end
      local now = redis.call('TIME')
      local at = now[1] .. string.format('%06d', tonumber(now[2]))
      local previous_knock = redis.call('HGET', lobby_key, ARGV[1])
      if previous_knock then unindex_waiter(ARGV[5], previous_knock, ARGV[1]) end
      redis.call('HSET', lobby_key, ARGV[1], cjson.encode({node = ARGV[6], name = cjson.decode(ARGV[2]).name, at = at}))
      index_waiter(ARGV[5], ARGV[6], ARGV[1], ARGV[4])
      local hosts = {}
      for _, host in ipairs(redis.call('SMEMBERS', hosts_key)) do
        local entry = redis.call('HGET', KEYS[1], host)
        if entry then
          hosts[#hosts + 1] = host
          hosts[#hosts + 1] = entry
        end
      end
      return {'waiting', hosts}
    end
  end
end
if ARGV[8] == 'always' or (ARGV[8] == 'creator' and size == 0) then redis.call('SADD', hosts_key, ARGV[1]) end
local knock = redis.call('HGET', lobby_key, ARGV[1])
if knock then unindex_waiter(ARGV[5], knock, ARGV[1]) end
redis.call('HDEL', lobby_key, ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
local host = tostring(redis.call('SISMEMBER', hosts_key, ARGV[1]))
return {'joined', previous, redis.call('GET', KEYS[3]) or '', host, redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', lobby_key)}
`,
  3,
);

/**
 * KEYS: room, this node's members. ARGV: id, node, key prefix. Only the node
 * holding the participant removes it, with its host role; the last one out
 * takes the room's policy, hosts and lobby with it. Returns {1 or 0, {waiter
 * id, lobby entry, …}}: whoever still waited when the room ended, to be turned away.
 */
const LEAVE = new LuaScript(
  'leave',
  `${WAITER_INDEX_LUA}
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if not existing or cjson.decode(existing).node ~= ARGV[2] then return {0, {}} end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[1] .. ':hosts', ARGV[1])
local waiting = {}
if redis.call('HLEN', KEYS[1]) == 0 then
  waiting = unindex_lobby(ARGV[3], KEYS[1] .. ':lobby')
  redis.call('DEL', KEYS[1] .. ':policy', KEYS[1] .. ':hosts', KEYS[1] .. ':lobby')
end
return {1, waiting}
`,
  2,
);

/** KEYS: room. ARGV: id, node, entry JSON. Replaces the entry if this node still holds it. */
const UPDATE = new LuaScript(
  'update',
  `
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if not existing or cjson.decode(existing).node ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`,
  1,
);

/** ARGV: key prefix, node. Returns {{room, id, …} members, {room, id, …} waiters}. */
const EVICT = new LuaScript('evict', `${EVICT_NODE_LUA}\nlocal removed, gone = evict(ARGV[1], ARGV[2])\nreturn {removed, gone}`, 0);

/**
 * Room membership shared by all nodes, in Redis: who is in which room and on
 * which node. Every change is one Lua script, so two nodes admitting the
 * eighth and ninth participant at once cannot both succeed.
 */
export class RedisRoomDirectory {
  readonly #redis: Redis;
  readonly #keys: ClusterKeys;

  constructor(
    redisUrl: string,
    readonly nodeId: string,
    keys: ClusterKeys = new ClusterKeys(),
  ) {
    this.#keys = keys;
    this.#redis = redisConnection(redisUrl, { queueWhileDown: false, name: `parley-directory-${nodeId}` });
    // Reported through each operation's result; the connection keeps retrying by itself.
    this.#redis.on('error', () => {});
  }

  async start(): Promise<void> {
    await this.#redis.connect();
  }

  /**
   * Adds the participant on this node, unless the room already has `capacity`
   * others. `policy`: the rules of the room if this join creates it.
   */
  async join(
    room: string,
    member: Omit<DirectoryEntry, 'node'>,
    capacity: number,
    policy = '{}',
    access: JoinAccess = { host: 'creator', lobby: 'skip', lobbyMax: 0 },
  ): Promise<DirectoryJoinResult> {
    const entry = JSON.stringify({ node: this.nodeId, name: member.name, media: member.media });
    let reply: unknown;
    try {
      reply = await JOIN.run(this.#redis, [this.#keys.room(room), this.#keys.nodeMembers(this.nodeId), this.#keys.policy(room)], [
        member.id,
        entry,
        capacity,
        room,
        this.#keys.prefix,
        this.nodeId,
        policy,
        access.host,
        access.lobby,
        access.lobbyMax,
      ]);
    } catch (error) {
      this.#undoJoin(room, member.id);
      return unavailable(error);
    }
    const [outcome, detail, current, host, members, waiting] = reply as [string, unknown, string, string, string[], string[]];
    if (outcome === 'full') return { ok: false, code: 'room-full', reason: `room "${room}" already has ${String(detail)} participants` };
    if (outcome === 'lobby-full') return { ok: false, code: 'room-full', reason: `too many people are waiting to enter room "${room}"` };
    if (outcome === 'waiting') return { ok: false, code: 'waiting', hosts: parseEntries(detail as string[]) };
    return {
      ok: true,
      members: parseEntries(members),
      policy: current || '{}',
      host: host === '1',
      waiting: parseLobby(waiting),
      ...(detail ? { movedFrom: detail as string } : {}),
    };
  }

  /** The rules of `room` as every node enforces them (JSON); undefined when the room has no members anywhere. */
  async policy(room: string): Promise<DirectoryResult<string | undefined>> {
    try {
      return { ok: true, value: (await this.#redis.get(this.#keys.policy(room))) ?? undefined };
    } catch (error) {
      return unavailable(error);
    }
  }

  /** Removes the participant if this node holds it; false when it did not (it left, or moved on). */
  async leave(room: string, id: PeerId): Promise<DirectoryResult<boolean>> {
    const left = await this.leaveRoom(room, id);
    return left.ok ? { ok: true, value: left.value.removed } : left;
  }

  /** `leave`, with whoever still waited in the lobby when this leave emptied the room (they are out of it now). */
  async leaveRoom(room: string, id: PeerId): Promise<DirectoryResult<{ removed: boolean; turnedAway: LobbyEntry[] }>> {
    try {
      const [removed, waiting] = (await LEAVE.run(this.#redis, [this.#keys.room(room), this.#keys.nodeMembers(this.nodeId)], [id, this.nodeId, this.#keys.prefix])) as [
        number,
        string[],
      ];
      return { ok: true, value: { removed: removed === 1, turnedAway: parseLobby(waiting) } };
    } catch (error) {
      return unavailable(error);
    }
  }

  /** Records a member's new media state, so later joiners see it. */
  async update(room: string, member: Omit<DirectoryEntry, 'node'>): Promise<DirectoryResult<boolean>> {
    const entry = JSON.stringify({ node: this.nodeId, name: member.name, media: member.media });
    try {
      const updated = await UPDATE.run(this.#redis, [this.#keys.room(room)], [member.id, this.nodeId, entry]);
      return { ok: true, value: updated === 1 };
    } catch (error) {
      return unavailable(error);
    }
  }

  async members(room: string): Promise<DirectoryResult<DirectoryEntry[]>> {
    try {
      const all = await this.#redis.hgetall(this.#keys.room(room));
      return { ok: true, value: parseEntries(Object.entries(all).flat()) };
    } catch (error) {
      return unavailable(error);
    }
  }

  /** Whether Redis answers a PING within `timeoutMs` (readiness). */
  async ping(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([this.#redis.ping().then((reply) => reply === 'PONG'), late]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Removes every participant `node` holds (it shut down, or was found dead). */
  async evict(node: string): Promise<DirectoryResult<Eviction>> {
    try {
      const [members, waiters] = (await EVICT.run(this.#redis, [], [this.#keys.prefix, node])) as [string[], string[]];
      const removed = pairs(members).map(([room, id]) => ({ room, id }));
      return { ok: true, value: { node, removed, waitersGone: pairs(waiters).map(([room, id]) => ({ room, id })) } };
    } catch (error) {
      return unavailable(error);
    }
  }

  /**
   * A join that timed out against a stalled Redis may still run when Redis
   * wakes up, admitting someone we refused. A leave sent on the same
   * connection runs after it, so the place is given back. If the connection
   * is gone, so is the join, and this fails harmlessly.
   */
  #undoJoin(room: string, id: PeerId): void {
    LEAVE.runInOrder(this.#redis, [this.#keys.room(room), this.#keys.nodeMembers(this.nodeId)], [id, this.nodeId, this.#keys.prefix]).catch(() => {
      // Nothing to give back: the join never reached Redis.
    });
  }

  /** Closes the connection; the entries stay (presence removes them if this node is gone for good). */
  close(): void {
    this.#redis.disconnect();
  }
}

export function pairs(flat: string[]): [string, string][] {
  const result: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) result.push([flat[i] as string, flat[i + 1] as string]);
  return result;
}

/** `id, entry JSON, …` as written by this class; an entry it cannot read is skipped, never thrown. */
export function parseEntries(flat: string[]): DirectoryEntry[] {
  const entries: DirectoryEntry[] = [];
  for (const [id, json] of pairs(flat)) {
    try {
      const { node, name, media } = JSON.parse(json) as Omit<DirectoryEntry, 'id'>;
      if (typeof node === 'string' && typeof name === 'string' && media) entries.push({ id, node, name, media });
    } catch {
      // Written by another version, or by hand: not a member we can describe.
    }
  }
  return entries;
}

/** `id, lobby entry JSON, …` as the Lua scripts write them, oldest knock first; an entry it cannot read is skipped. */
export function parseLobby(flat: string[]): LobbyEntry[] {
  const entries: LobbyEntry[] = [];
  for (const [id, json] of pairs(flat)) {
    try {
      const { node, name, at } = JSON.parse(json) as Omit<LobbyEntry, 'id'>;
      if (typeof node === 'string' && typeof name === 'string' && typeof at === 'string') entries.push({ id, node, name, at });
    } catch {
      // Written by another version, or by hand: nobody we can describe.
    }
  }
  return entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}
