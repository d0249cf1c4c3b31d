import type { Redis } from 'ioredis';
import type { PeerId } from '@parley/protocol';
import { ClusterKeys } from './ClusterKeys.js';
import { LuaScript } from './LuaScript.js';
import { WAITER_INDEX_LUA, parseEntries, parseLobby, type DirectoryEntry, type DirectoryResult, type LobbyEntry } from './RedisRoomDirectory.js';
import { redisConnection, unavailable } from './redisConnection.js';

/** A host action Redis would not carry out, and why; nothing was changed. */
export type HostRefusal = { done: false; code: 'not-host' | 'not-waiting' | 'room-full' };

export type Answered = { done: true; waiter: LobbyEntry; hosts: DirectoryEntry[] } | HostRefusal;

export type LobbySwitched =
  | { done: true; changed: false }
  | {
      done: true;
      changed: true;
      /** Everyone in the room, to be told `lobby-changed`. */
      members: DirectoryEntry[];
      hosts: DirectoryEntry[];
      /** Turned off: who waited (oldest first), now out of the lobby; the first `space` fit in the room. */
      released: LobbyEntry[];
      space: number;
    }
  | HostRefusal;

/**
 * How long after it was sent a host action may still run. A script sent to a
 * stalled (frozen) Redis runs when Redis wakes, after the node gave up on it
 * (the connection's 2 s command timeout) and told the host `unavailable`;
 * past this deadline, in Redis time, it changes nothing.
 */
const ACTION_DEADLINE_MS = 1500;

/**
 * Lua helpers shared by the scripts below: too late to act (see
 * ACTION_DEADLINE_MS), whether ARGV[1] is a host present
 * in the room (KEYS[1]), and the room's hosts with their directory entries.
 */
const HOST_LUA = `${WAITER_INDEX_LUA}
local function too_late(deadline)
  local now = redis.call('TIME')
  return tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) > tonumber(deadline)
end
local function is_host(room_key, id)
  return redis.call('HEXISTS', room_key, id) == 1 and redis.call('SISMEMBER', room_key .. ':hosts', id) == 1
end
local function hosts_of(room_key)
  local result = {}
  for _, host in ipairs(redis.call('SMEMBERS', room_key .. ':hosts')) do
    local entry = redis.call('HGET', room_key, host)
    if entry then
      result[#result + 1] = host
      result[#result + 1] = entry
    end
  end
  return result
end
`;

/**
 * KEYS: room. ARGV: host id, waiter id, capacity, 'admit' or 'deny',
 * deadline (Redis time, ms), key prefix. A host of the room takes a waiter out of its
 * lobby; an admit needs a free place. Returns {'late'}, {'not-host'},
 * {'not-waiting'}, {'full'} or {'done', lobby entry, {host id, entry, …}}.
 */
const ANSWER = new LuaScript(
  'answer-knock',
  `${HOST_LUA}
if too_late(ARGV[5]) then return {'late'} end
if not is_host(KEYS[1], ARGV[1]) then return {'not-host'} end
local lobby_key = KEYS[1] .. ':lobby'
local waiter = redis.call('HGET', lobby_key, ARGV[2])
if not waiter then return {'not-waiting'} end
if ARGV[4] == 'admit' and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return {'full'} end
redis.call('HDEL', lobby_key, ARGV[2])
unindex_waiter(ARGV[6], waiter, ARGV[2])
return {'done', waiter, hosts_of(KEYS[1])}
`,
  1,
);

/**
 * KEYS: room, room policy. ARGV: host id, '1' (on) or '0' (off), capacity,
 * deadline, key prefix. Switches the lobby in the room's shared policy; switched off,
 * everyone waiting is taken out of it. Returns {'late'}, {'not-host'}, {'same'} or {'changed',
 * {member id, entry, …}, {host id, entry, …}, {waiter id, entry, …}, free places}.
 */
const SWITCH = new LuaScript(
  'switch-lobby',
  `${HOST_LUA}
if too_late(ARGV[4]) then return {'late'} end
if not is_host(KEYS[1], ARGV[1]) then return {'not-host'} end
local policy = cjson.decode(redis.call('GET', KEYS[2]) or '{}')
local enabled = ARGV[2] == '1'
if (policy.lobby == true) == enabled then return {'same'} end
if enabled then policy.lobby = true else policy.lobby = nil end
redis.call('SET', KEYS[2], cjson.encode(policy))
local released = {}
if not enabled then
  released = unindex_lobby(ARGV[5], KEYS[1] .. ':lobby')
  redis.call('DEL', KEYS[1] .. ':lobby')
end
local space = tonumber(ARGV[3]) - redis.call('HLEN', KEYS[1])
return {'changed', redis.call('HGETALL', KEYS[1]), hosts_of(KEYS[1]), released, space}
`,
  2,
);

/**
 * KEYS: room. ARGV: id, node, key prefix. The waiter gave up (left, closed the tab):
 * out of the lobby if this node's waiter is still in it. Returns {0} or
 * {1, {host id, entry, …}}.
 */
const GIVE_UP = new LuaScript(
  'leave-lobby',
  `${HOST_LUA}
local lobby_key = KEYS[1] .. ':lobby'
local waiter = redis.call('HGET', lobby_key, ARGV[1])
if not waiter or cjson.decode(waiter).node ~= ARGV[2] then return {0} end
redis.call('HDEL', lobby_key, ARGV[1])
unindex_waiter(ARGV[3], waiter, ARGV[1])
return {1, hosts_of(KEYS[1])}
`,
  1,
);

/**
 * A room's lobby and its hosts' actions on it, shared by every node: each
 * action is one Lua script that checks the host, the waiter and the room's
 * capacity and changes the lobby in the same step, so two hosts on two nodes
 * answering one knock cannot both win. The join into the lobby (the knock)
 * is part of the directory's join script, where the lobby switch is read.
 */
export class RedisLobby {
  readonly #redis: Redis;
  readonly #keys: ClusterKeys;
  /** Redis's clock minus ours, read at start: deadlines are given in Redis time. */
  #clockOffsetMs = 0;

  constructor(
    redisUrl: string,
    readonly nodeId: string,
    keys: ClusterKeys = new ClusterKeys(),
  ) {
    this.#keys = keys;
    this.#redis = redisConnection(redisUrl, { queueWhileDown: false, name: `parley-lobby-${nodeId}` });
    // Reported through each operation's result; the connection keeps retrying by itself.
    this.#redis.on('error', () => {});
  }

  async start(): Promise<void> {
    await this.#redis.connect();
    const sentAt = Date.now();
    const [seconds, micros] = await this.#redis.time();
    const redisNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    this.#clockOffsetMs = redisNow - Math.round((sentAt + Date.now()) / 2);
  }

  /** The latest Redis time at which an action sent now may still change anything. */
  #deadline(): number {
    return Date.now() + this.#clockOffsetMs + ACTION_DEADLINE_MS;
  }

  /** `host` admits or denies `waiter`: taken out of the lobby, with where it waits and whom to tell. */
  async answer(room: string, host: PeerId, waiter: PeerId, answer: 'admit' | 'deny', capacity: number): Promise<DirectoryResult<Answered>> {
    try {
      const [outcome, entry, hosts] = (await ANSWER.run(this.#redis, [this.#keys.room(room)], [host, waiter, capacity, answer, this.#deadline(), this.#keys.prefix])) as [
        string,
        string,
        string[],
      ];
      if (outcome === 'late') return unavailable(new Error('Redis answered too late; nothing was changed'));
      if (outcome !== 'done') return { ok: true, value: { done: false, code: outcome === 'full' ? 'room-full' : (outcome as HostRefusal['code']) } };
      const [parsed] = parseLobby([waiter, entry]);
      if (!parsed) return { ok: true, value: { done: false, code: 'not-waiting' } };
      return { ok: true, value: { done: true, waiter: parsed, hosts: parseEntries(hosts) } };
    } catch (error) {
      return unavailable(error);
    }
  }

  /** `host` turns the lobby on or off. */
  async switch(room: string, host: PeerId, enabled: boolean, capacity: number): Promise<DirectoryResult<LobbySwitched>> {
    try {
      const reply = (await SWITCH.run(this.#redis, [this.#keys.room(room), this.#keys.policy(room)], [host, enabled ? '1' : '0', capacity, this.#deadline(), this.#keys.prefix])) as [
        string,
        string[],
        string[],
        string[],
        number,
      ];
      const [outcome, members, hosts, released, space] = reply;
      if (outcome === 'late') return unavailable(new Error('Redis answered too late; nothing was changed'));
      if (outcome === 'not-host') return { ok: true, value: { done: false, code: 'not-host' } };
      if (outcome === 'same') return { ok: true, value: { done: true, changed: false } };
      return {
        ok: true,
        value: { done: true, changed: true, members: parseEntries(members), hosts: parseEntries(hosts), released: parseLobby(released), space: Math.max(0, space) },
      };
    } catch (error) {
      return unavailable(error);
    }
  }

  /** A waiter held by this node gave up: the hosts to tell, or undefined when it was no longer waiting. */
  async giveUp(room: string, id: PeerId): Promise<DirectoryResult<DirectoryEntry[] | undefined>> {
    try {
      const [removed, hosts] = (await GIVE_UP.run(this.#redis, [this.#keys.room(room)], [id, this.nodeId, this.#keys.prefix])) as [number, string[] | undefined];
      return { ok: true, value: removed === 1 ? parseEntries(hosts ?? []) : undefined };
    } catch (error) {
      return unavailable(error);
    }
  }

  /** Who waits in `room`'s lobby, oldest first. */
  async list(room: string): Promise<DirectoryResult<LobbyEntry[]>> {
    try {
      const all = await this.#redis.hgetall(this.#keys.lobby(room));
      return { ok: true, value: parseLobby(Object.entries(all).flat()) };
    } catch (error) {
      return unavailable(error);
    }
  }

  close(): void {
    this.#redis.disconnect();
  }
}
