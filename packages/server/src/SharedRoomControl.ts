import type { ErrorCode } from '@parley/protocol';
import type { RedisRoomService } from './cluster/RedisRoomService.js';
import type { Logger } from './logger.js';
import type { Member } from './Member.js';
import type { Room } from './Room.js';
import type { RoomControlMessage } from './roomControl.js';

export interface SharedRoomControlContext {
  /** The host's room on this node. */
  room: Room;
  /** The host who asked; this node checked it is one, and Redis checks again in the same step as the change. */
  host: Member;
  rooms: RedisRoomService;
  log: Logger;
}

type Refusal = { code: ErrorCode; reason: string };

const UNAVAILABLE: Refusal = { code: 'unavailable', reason: 'the rooms cannot be reached right now; nothing was changed, try again shortly' };

/**
 * What a host may do to a room shared by several nodes: the lobby switch,
 * answering knocks, and removing a participant, whichever node holds the host,
 * the waiters and the members. Redis decides (RedisLobby, one Lua script per
 * action: is the asker a host of this room, is the waiter in its lobby, is
 * there a place); then the nodes holding those concerned are told through
 * their inboxes. The same answers and refusals as `handleRoomControl`, plus
 * `unavailable` while Redis is away (nothing changed).
 */
export async function handleSharedRoomControl(message: RoomControlMessage, context: SharedRoomControlContext): Promise<Refusal | undefined> {
  const { room, host, rooms, log } = context;
  const name = room.name;
  switch (message.type) {
    case 'set-lobby': {
      const switched = await rooms.lobby.switch(name, host.id, message.enabled, rooms.capacity);
      if (!switched.ok) return UNAVAILABLE;
      const result = switched.value;
      if (!result.done) return notHost(message.type);
      if (!result.changed) return undefined;
      log.info({ room: name, lobby: message.enabled }, 'lobby switched');
      // Every node with members of the room tells its own and updates its copy of the rules.
      for (const node of new Set(result.members.map((member) => member.node))) {
        await rooms.command(node, { kind: 'lobby', room: name, enabled: message.enabled });
      }
      // Lobby off: whoever waited comes in, oldest first, as far as the room has space.
      for (const [index, waiter] of result.released.entries()) {
        const admitted = index < result.space;
        await rooms.tell(name, result.hosts, { type: 'knock-ended', peerId: waiter.id, outcome: admitted ? 'admitted' : 'denied' });
        await rooms.command(
          waiter.node,
          admitted ? { kind: 'admit', room: name, id: waiter.id } : { kind: 'deny', room: name, id: waiter.id, reason: `room "${name}" is full` },
        );
      }
      return undefined;
    }
    case 'admit':
    case 'deny': {
      const answered = await rooms.lobby.answer(name, host.id, message.peerId, message.type, rooms.capacity);
      if (!answered.ok) return UNAVAILABLE;
      const result = answered.value;
      if (!result.done) {
        if (result.code === 'not-host') return notHost(message.type);
        if (result.code === 'room-full') return { code: 'room-full', reason: `room "${name}" is full; nobody can be let in now` };
        return { code: 'not-waiting', reason: `nobody with id ${message.peerId} is waiting to enter` };
      }
      const { waiter, hosts } = result;
      if (message.type === 'admit') {
        // Hosts learn first (in their inboxes before the newcomer's node even hears), so its peer-joined finds the knock answered.
        await rooms.tell(name, hosts, { type: 'knock-ended', peerId: waiter.id, outcome: 'admitted' });
        await rooms.command(waiter.node, { kind: 'admit', room: name, id: waiter.id });
      } else {
        await rooms.command(waiter.node, { kind: 'deny', room: name, id: waiter.id, reason: 'a host did not let you in' });
        await rooms.tell(name, hosts, { type: 'knock-ended', peerId: waiter.id, outcome: 'denied' });
      }
      log.info({ room: name, waiter: waiter.id, node: waiter.node, answer: message.type }, 'knock answered');
      return undefined;
    }
    case 'remove': {
      if (message.peerId === host.id) return { code: 'bad-target', reason: 'to leave, send leave; a host cannot remove itself' };
      const members = await rooms.members(name);
      if (!members.ok) return UNAVAILABLE;
      const target = members.value.find((member) => member.id === message.peerId);
      if (!target) return { code: 'not-in-room', reason: `participant ${message.peerId} is not in this room` };
      if (!members.value.some((member) => member.id === host.id)) return notHost(message.type);
      log.info({ room: name, removed: target.id, node: target.node }, 'participant removed by a host');
      const sent = await rooms.command(target.node, { kind: 'remove', room: name, id: target.id, reason: `${host.name} removed you from the call` });
      return sent ? undefined : UNAVAILABLE;
    }
  }
}

function notHost(type: string): Refusal {
  return { code: 'not-host', reason: `only a host may "${type}"` };
}
