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

export type DirectoryJoinResult =
  | {
      ok: true;
      /** Everyone in the room now, the joiner included, read in the same atomic step as the join. */
      members: DirectoryEntry[];
      /** The node that held this participant before (a resume onto another node); it should let go quietly. */
      movedFrom?: string;
      /** The room's policy (JSON): set by this join if it created the room, else the one there was. */
      policy: string;
    }
  | { ok: false; code: 'room-full'; reason: string }
  | Unavailable;

export type DirectoryResult<T> = { ok: true; value: T } | Unavailable;

/** A removal of a dead node's participants: which rooms lost whom. */
export interface Eviction {
  node: string;
  removed: { room: string; id: PeerId }[];
}

/**
 * Removes every participant held by node ARGV[2] (key prefix ARGV[1]) from
 * its rooms, unless the entry already names another node (it moved), and
 * returns `room, id, room, id, …`. Shared with NodePresence's reaper so that
 * declaring a node dead and removing its members is one atomic step.
 */
export const EVICT_NODE_LUA = `
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
      if redis.call('HLEN', room_key) == 0 then redis.call('DEL', room_key .. ':policy') end
      removed[#removed + 1] = room
      removed[#removed + 1] = id
    end
  end
  redis.call('DEL', held_key)
  return removed
end
`;

/**
 * KEYS: room, this node's members, room policy. ARGV: id, entry JSON,
 * capacity, room name, key prefix, node, policy JSON. A participant already
 * in the room (resuming onto this node) is moved here and never counted twice;
 * anyone else is refused when the room is at capacity. The first member sets
 * the room's policy; later ones are handed the one there is. Returns {'full',
 * size} or {'joined', previous node or '', policy, id, entry, id, entry, …}.
 */
const JOIN = new LuaScript(
  'join',
  `
local existing = redis.call('HGET', KEYS[1], ARGV[1])
local previous = ''
if existing then
  previous = cjson.decode(existing).node
  if previous ~= ARGV[6] then
    redis.call('HDEL', ARGV[5] .. 'node:' .. previous .. ':members', ARGV[1])
  end
else
  local size = redis.call('HLEN', KEYS[1])
  if size >= tonumber(ARGV[3]) then return {'full', tostring(size)} end
  if size == 0 then redis.call('SET', KEYS[3], ARGV[7]) end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
local result = {'joined', previous, redis.call('GET', KEYS[3]) or ''}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all do result[#result + 1] = all[i] end
return result
`,
  3,
);

/**
 * KEYS: room, this node's members. ARGV: id, node. Only the node holding the
 * participant removes it; the last one out takes the room's policy with it.
 */
const LEAVE = new LuaScript(
  'leave',
  `
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if not existing or cjson.decode(existing).node ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('DEL', KEYS[1] .. ':policy') end
return 1
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

/** ARGV: key prefix, node. */
const EVICT = new LuaScript('evict', `${EVICT_NODE_LUA}\nreturn evict(ARGV[1], ARGV[2])`, 0);

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
  async join(room: string, member: Omit<DirectoryEntry, 'node'>, capacity: number, policy = '{}'): Promise<DirectoryJoinResult> {
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
      ]);
    } catch (error) {
      this.#undoJoin(room, member.id);
      return unavailable(error);
    }
    const [outcome, detail, current, ...flat] = reply as string[];
    if (outcome === 'full') return { ok: false, code: 'room-full', reason: `room "${room}" already has ${detail} participants` };
    return { ok: true, members: parseEntries(flat), policy: current || '{}', ...(detail ? { movedFrom: detail } : {}) };
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
    try {
      const removed = await LEAVE.run(this.#redis, [this.#keys.room(room), this.#keys.nodeMembers(this.nodeId)], [id, this.nodeId]);
      return { ok: true, value: removed === 1 };
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
      const flat = (await EVICT.run(this.#redis, [], [this.#keys.prefix, node])) as string[];
      return { ok: true, value: { node, removed: pairs(flat).map(([room, id]) => ({ room, id })) } };
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
    LEAVE.runInOrder(this.#redis, [this.#keys.room(room), this.#keys.nodeMembers(this.nodeId)], [id, this.nodeId]).catch(() => {
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
