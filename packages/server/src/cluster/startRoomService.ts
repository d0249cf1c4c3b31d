import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { RoomRegistry } from '../RoomRegistry.js';
import { ClusterKeys } from './ClusterKeys.js';
import { NodeBus } from './NodeBus.js';
import { NodePresence } from './NodePresence.js';
import { InMemoryNonceLedger, type NonceLedger } from './NonceLedger.js';
import { RedisNonceLedger } from './RedisNonceLedger.js';
import { PASSWORD_ATTEMPTS, PASSWORD_WINDOW_MS } from '../Admission.js';
import { RedisAttemptLimiter } from './RedisAttemptLimiter.js';
import { RedisLobby } from './RedisLobby.js';
import { RedisRemovedTokens } from './RedisRemovedTokens.js';
import { RedisRoomDirectory } from './RedisRoomDirectory.js';
import { RedisRoomService } from './RedisRoomService.js';
import { LocalRoomService, type RoomService } from './RoomService.js';

export interface RoomServiceOptions {
  /** REDIS_URL: set, rooms are shared through Redis; empty, they stay in this process as before. */
  redisUrl: string;
  /** The in-memory rooms, used when there is no Redis (their capacity is the registry's). */
  registry: RoomRegistry;
  /** Most members of a room across all nodes (MAX_PARTICIPANTS). */
  capacity: number;
  /** Defaults to host, PID and a random part: a restarted process is a new node, and the old one is reaped. */
  nodeId?: string;
  keys?: ClusterKeys;
  /** A node silent this long is dead and its members removed. */
  presenceTtlMs?: number;
  /** Most bytes of messages for other nodes waiting for Redis (NodeBus `maxBacklogBytes`). */
  busBacklogBytes?: number;
}

export interface StartedRoomService {
  nodeId: string;
  rooms: RoomService;
  nonces: NonceLedger;
  /** Present when rooms are shared: for readiness, logs and `released`. */
  cluster?: {
    rooms: RedisRoomService;
    bus: NodeBus;
    presence: NodePresence;
    directory: RedisRoomDirectory;
    lobby: RedisLobby;
    /** Wrong-password guesses, counted for every node. */
    guesses: RedisAttemptLimiter;
    /** Room tokens hosts removed, refused by every node. */
    removedTokens: RedisRemovedTokens;
  };
  close(): Promise<void>;
}

/**
 * Where rooms live, chosen once at start: in this process when REDIS_URL is
 * empty (exactly as before: no Redis needed), or shared by every node
 * through Redis. Fails when Redis cannot be reached at start, so a
 * misconfigured node does not come up half-clustered.
 */
export async function startRoomService(options: RoomServiceOptions): Promise<StartedRoomService> {
  const nodeId = options.nodeId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  if (!options.redisUrl) {
    return { nodeId, rooms: new LocalRoomService(options.registry), nonces: new InMemoryNonceLedger(), close: async () => {} };
  }
  const keys = options.keys ?? new ClusterKeys();
  const url = options.redisUrl;
  const directory = new RedisRoomDirectory(url, nodeId, keys);
  const bus = new NodeBus({ redisUrl: url, nodeId, keys, ...(options.busBacklogBytes ? { maxBacklogBytes: options.busBacklogBytes } : {}) });
  const presence = new NodePresence({ redisUrl: url, nodeId, keys, ...(options.presenceTtlMs ? { ttlMs: options.presenceTtlMs } : {}) });
  const nonces = new RedisNonceLedger(url, nodeId, keys);
  const lobby = new RedisLobby(url, nodeId, keys);
  // Failures with nobody to answer go to the room service's `error` event, once it exists.
  let rooms: RedisRoomService | undefined;
  const report = (error: Error) => rooms?.report(error);
  const guesses = new RedisAttemptLimiter(url, nodeId, PASSWORD_ATTEMPTS, PASSWORD_WINDOW_MS, keys, report);
  const removedTokens = new RedisRemovedTokens(url, nodeId, keys, report);
  const close = async () => {
    presence.close();
    await bus.close();
    directory.close();
    nonces.close();
    lobby.close();
    guesses.close();
    removedTokens.close();
  };
  try {
    await Promise.all([directory.start(), bus.start(), presence.start(), nonces.start(), lobby.start(), guesses.start(), removedTokens.start()]);
  } catch (error) {
    await close();
    throw new Error(`cannot reach Redis at REDIS_URL: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  rooms = new RedisRoomService({ nodeId, directory, bus, presence, lobby, capacity: options.capacity });
  return {
    nodeId,
    rooms,
    nonces,
    cluster: { rooms, bus, presence, directory, lobby, guesses, removedTokens },
    close: async () => {
      rooms.close();
      await close();
    },
  };
}
