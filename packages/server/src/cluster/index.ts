export { ClusterKeys } from './ClusterKeys.js';
export { NodeBus, type NodeBusEvents, type NodeBusFlow, type NodeBusOptions, type NodeBusState, type SendResult } from './NodeBus.js';
export { MemberWhereabouts } from './MemberWhereabouts.js';
export {
  RedisRoomDirectory,
  type DirectoryEntry,
  type DirectoryJoinResult,
  type DirectoryResult,
  type Eviction,
  type HostMode,
  type JoinAccess,
  type LobbyEntry,
  type LobbyMode,
} from './RedisRoomDirectory.js';
export { NodePresence, type NodePresenceEvents, type NodePresenceOptions, type RoomLoss } from './NodePresence.js';
export { InMemoryNonceLedger, type NonceLedger, type NonceSpending, type NonceUse } from './NonceLedger.js';
export { RedisNonceLedger } from './RedisNonceLedger.js';
export { RedisAttemptLimiter } from './RedisAttemptLimiter.js';
export { RedisRemovedTokens } from './RedisRemovedTokens.js';
export { RedisLobby, type Answered, type HostRefusal, type LobbySwitched } from './RedisLobby.js';
export type { Unavailable } from './redisConnection.js';
export { LocalRoomService, type RoomService, type RoomServiceJoin } from './RoomService.js';
export { RedisRoomService, type Delivery, type NodeCommand, type RedisRoomServiceEvents, type RedisRoomServiceParts } from './RedisRoomService.js';
export { startRoomService, type RoomServiceOptions, type StartedRoomService } from './startRoomService.js';
