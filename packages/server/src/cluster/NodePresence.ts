import { TypedEmitter } from '@parley/protocol';
import type { Redis } from 'ioredis';
import { ClusterKeys } from './ClusterKeys.js';
import { LuaScript } from './LuaScript.js';
import { EVICT_NODE_LUA, parseEntries, type DirectoryEntry, type Eviction } from './RedisRoomDirectory.js';
import { redisConnection } from './redisConnection.js';

/**
 * One room that lost members or lobby waiters with a dead node: who went, and
 * who is left to be told (and on which node).
 */
export interface RoomLoss {
  room: string;
  removed: string[];
  remaining: DirectoryEntry[];
  /** Waiters of the room's lobby the dead node held, now out of it: its hosts are to be told. */
  waitersGone: string[];
  /** Ids of the room's hosts (among `remaining`); read only when waiters went. */
  hosts: string[];
}

export type NodePresenceEvents = {
  /** Another node stopped beating; its participants are already out of the directory. */
  'node-down': (node: string, rooms: RoomLoss[]) => void;
  /**
   * This node was declared dead while it was still running (it stalled, or lost
   * Redis longer than the TTL): its participants were removed everywhere.
   */
  evicted: () => void;
  error: (error: Error) => void;
};

export interface NodePresenceOptions {
  redisUrl: string;
  nodeId: string;
  keys?: ClusterKeys;
  /** A node not heard from for this long is dead. */
  ttlMs?: number;
  /** How often to beat; a third of the TTL by default, so two lost beats are survived. */
  beatEveryMs?: number;
  /** How often to look for dead nodes. */
  sweepEveryMs?: number;
}

/**
 * KEYS: nodes. ARGV: node, ttl ms. Marks the node alive until now + ttl (Redis
 * time, so nodes' clocks do not matter). Returns 1 when the node was not
 * listed: a first beat, or a node that had been declared dead.
 */
const BEAT = new LuaScript(
  'beat',
  `
local now = redis.call('TIME')
local until_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) + tonumber(ARGV[2])
return redis.call('ZADD', KEYS[1], until_ms, ARGV[1])
`,
  1,
);

/**
 * KEYS: nodes, sweep clock. ARGV: key prefix, ttl ms, stall ms. Takes every
 * node whose time ran out off the list and removes its participants, in one
 * step: of several nodes sweeping at once, exactly one reaps each dead node.
 * Returns {{node, room, id, …} members, {node, room, id, …} lobby waiters};
 * a dead node that held nobody is listed as `node, '', ''` among the members.
 *
 * Every node sweeps about once a second, so a sweep that finds the last one
 * older than `stall` means Redis itself stood still (frozen, unreachable for
 * everyone): the beats missed meanwhile say nothing about who is alive, and
 * the first command after it wakes would otherwise reap every node. Then all
 * nodes get a fresh TTL instead; a really dead one is reaped one TTL later.
 */
const SWEEP = new LuaScript(
  'sweep',
  `${EVICT_NODE_LUA}
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
redis.call('SET', KEYS[2], now_ms, 'PX', tonumber(ARGV[2]) * 10)
if now_ms - last > tonumber(ARGV[3]) then
  for _, node in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    redis.call('ZADD', KEYS[1], 'XX', now_ms + tonumber(ARGV[2]), node)
  end
  return {{}, {}}
end
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_ms)
local result = {}
local waiters = {}
for _, node in ipairs(dead) do
  redis.call('ZREM', KEYS[1], node)
  local removed, gone = evict(ARGV[1], node)
  for i = 1, #removed, 2 do
    result[#result + 1] = node
    result[#result + 1] = removed[i]
    result[#result + 1] = removed[i + 1]
  end
  for i = 1, #gone, 2 do
    waiters[#waiters + 1] = node
    waiters[#waiters + 1] = gone[i]
    waiters[#waiters + 1] = gone[i + 1]
  end
  if #removed == 0 then
    result[#result + 1] = node
    result[#result + 1] = ''
    result[#result + 1] = ''
  end
end
return {result, waiters}
`,
  2,
);

/**
 * This node's presence in Redis, with a TTL renewed by a heartbeat, and the
 * sweep that finds nodes whose heartbeat stopped: their participants are
 * removed from the directory within about TTL + one sweep, and `node-down`
 * says which rooms to tell.
 */
export class NodePresence extends TypedEmitter<NodePresenceEvents> {
  readonly nodeId: string;
  readonly #redis: Redis;
  readonly #keys: ClusterKeys;
  readonly #ttlMs: number;
  readonly #beatEveryMs: number;
  readonly #sweepEveryMs: number;
  /** No sweep by anyone for this long: Redis stood still, and nobody is reaped for it. */
  readonly #stallMs: number;
  #timers: NodeJS.Timeout[] = [];
  #started = false;
  #closed = false;

  constructor(options: NodePresenceOptions) {
    super();
    this.nodeId = options.nodeId;
    this.#keys = options.keys ?? new ClusterKeys();
    this.#ttlMs = options.ttlMs ?? 5000;
    this.#beatEveryMs = options.beatEveryMs ?? Math.floor(this.#ttlMs / 3);
    this.#sweepEveryMs = options.sweepEveryMs ?? 1000;
    if (this.#beatEveryMs >= this.#ttlMs) throw new Error('the heartbeat must come more often than the TTL');
    this.#stallMs = Math.max(this.#ttlMs / 2, this.#sweepEveryMs * 2);
    this.#redis = redisConnection(options.redisUrl, { queueWhileDown: false, name: `parley-presence-${this.nodeId}` });
    this.#redis.on('error', (error: Error) => this.emit('error', error));
  }

  /** Connects, beats once, and keeps beating and sweeping until `close()`. */
  async start(): Promise<void> {
    if (this.#started) throw new Error('presence is started once');
    this.#started = true;
    await this.#redis.connect();
    await BEAT.run(this.#redis, [this.#keys.nodes()], [this.nodeId, this.#ttlMs]);
    this.#timers.push(setInterval(() => void this.beat(), this.#beatEveryMs));
    this.#timers.push(setInterval(() => void this.sweep(), this.#sweepEveryMs));
    for (const timer of this.#timers) timer.unref();
  }

  /** Renews this node's presence. Errors are reported, not thrown: the next beat tries again. */
  async beat(): Promise<void> {
    if (this.#closed) return;
    try {
      const added = await BEAT.run(this.#redis, [this.#keys.nodes()], [this.nodeId, this.#ttlMs]);
      if (added === 1) this.emit('evicted');
    } catch (error) {
      this.emit('error', error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Reaps nodes whose presence ran out; emits `node-down` for each this node reaped. */
  async sweep(): Promise<void> {
    if (this.#closed) return;
    try {
      const [flat, waiters] = (await SWEEP.run(this.#redis, [this.#keys.nodes(), this.#keys.sweepClock()], [this.#keys.prefix, this.#ttlMs, this.#stallMs])) as [
        string[],
        string[],
      ];
      const evictions = new Map<string, Eviction>();
      const evictionOf = (node: string) => {
        const eviction = evictions.get(node) ?? { node, removed: [], waitersGone: [] };
        evictions.set(node, eviction);
        return eviction;
      };
      for (let i = 0; i + 2 < flat.length; i += 3) {
        const [node, room, id] = [flat[i] as string, flat[i + 1] as string, flat[i + 2] as string];
        const eviction = evictionOf(node);
        if (room) eviction.removed.push({ room, id });
      }
      for (let i = 0; i + 2 < waiters.length; i += 3) {
        evictionOf(waiters[i] as string).waitersGone.push({ room: waiters[i + 1] as string, id: waiters[i + 2] as string });
      }
      for (const eviction of evictions.values()) this.emit('node-down', eviction.node, await this.#losses(eviction));
    } catch (error) {
      this.emit('error', error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * Stops beating and sweeping. Safe to call twice. The node stays listed
   * until its TTL runs out: then another node reaps whoever did not resume
   * elsewhere meanwhile (those moved, and are left alone).
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    this.#redis.disconnect();
    this.removeAllListeners();
  }

  /** Groups an eviction by room and reads who is left in each (and, when waiters went, its hosts), to be told. */
  async #losses(eviction: Eviction): Promise<RoomLoss[]> {
    const byRoom = new Map<string, { removed: string[]; waitersGone: string[] }>();
    const lossOf = (room: string) => {
      const loss = byRoom.get(room) ?? { removed: [], waitersGone: [] };
      byRoom.set(room, loss);
      return loss;
    };
    for (const { room, id } of eviction.removed) lossOf(room).removed.push(id);
    for (const { room, id } of eviction.waitersGone) lossOf(room).waitersGone.push(id);
    const losses: RoomLoss[] = [];
    for (const [room, { removed, waitersGone }] of byRoom) {
      const all = await this.#redis.hgetall(this.#keys.room(room));
      const hosts = waitersGone.length > 0 ? await this.#redis.smembers(this.#keys.hosts(room)) : [];
      losses.push({ room, removed, remaining: parseEntries(Object.entries(all).flat()), waitersGone, hosts });
    }
    return losses;
  }
}
