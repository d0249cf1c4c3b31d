/**
 * Every Redis key the cluster uses, in one place. The prefix keeps
 * deployments (and tests) sharing one Redis apart.
 *
 * The Lua scripts touch keys they compute (a node's member list, a room of
 * that node), so they need a single Redis or one shard, not Redis Cluster.
 */
export class ClusterKeys {
  constructor(readonly prefix = 'parley:') {}

  /** Hash: participant id → JSON DirectoryEntry, for one room. */
  room(name: string): string {
    return `${this.prefix}room:${name}`;
  }

  /**
   * String: a room's rules every node enforces (JSON, see SharedPolicy), from
   * its first member to its last. `room:<name>` + `:policy`; the Lua scripts
   * build it the same way (room names hold no colon).
   */
  policy(name: string): string {
    return `${this.room(name)}:policy`;
  }

  /** Set: the ids of a room's hosts, on every node. `room:<name>` + `:hosts`, as the Lua scripts build it. */
  hosts(name: string): string {
    return `${this.room(name)}:hosts`;
  }

  /** Hash: participant id → JSON LobbyEntry, the people waiting at one room's door. `room:<name>` + `:lobby`. */
  lobby(name: string): string {
    return `${this.room(name)}:lobby`;
  }

  /** Sorted set: one entry per wrong-password attempt of `key` (an address, a room), scored by Redis time. */
  attempts(key: string): string {
    return `${this.prefix}attempts:${key}`;
  }

  /** String: a room token a host removed from `room` (by its hash), until the token expires. */
  removedToken(room: string, tokenId: string): string {
    return `${this.prefix}removed-token:${room}:${tokenId}`;
  }

  /** Hash: participant id → room name, for the participants held by one node. */
  nodeMembers(node: string): string {
    return `${this.prefix}node:${node}:members`;
  }

  /**
   * Hash: waiter id → room name, for the people one node holds waiting in a
   * room's lobby: a dead node's waiters are found here and taken out of the
   * lobbies (see EVICT_NODE_LUA). Kept by the Lua scripts, which build it the
   * same way (`node:<id>:waiters`); an entry may outlive its lobby entry, so
   * the lobby entry's node decides.
   */
  nodeWaiters(node: string): string {
    return `${this.prefix}node:${node}:waiters`;
  }

  /** Stream: messages for one node. */
  inbox(node: string): string {
    return `${this.prefix}node:${node}:inbox`;
  }

  /** Sorted set: node id → when its presence ends (Redis time, ms). */
  nodes(): string {
    return `${this.prefix}nodes`;
  }

  /** String: when a node last swept for dead nodes (Redis time, ms); a long gap means Redis stood still. */
  sweepClock(): string {
    return `${this.prefix}sweep-clock`;
  }

  /** String: a resume-token nonce that was used. */
  nonce(nonce: string): string {
    return `${this.prefix}nonce:${nonce}`;
  }
}
