import type { AdmitMessage, DenyMessage, ErrorCode, RemoveMessage, SetLobbyMessage } from '@parley/protocol';
import type { Logger } from './logger.js';
import type { Member } from './Member.js';
import type { Room } from './Room.js';
import type { RoomRegistry } from './RoomRegistry.js';

export type RoomControlMessage = SetLobbyMessage | AdmitMessage | DenyMessage | RemoveMessage;

export interface RoomControlContext {
  room: Room;
  registry: RoomRegistry;
  /** The host who asked; already checked to be one. */
  host: Member;
  log: Logger;
}

/**
 * What a host may do to its room: the lobby switch, answering knocks, and
 * removing a participant. Returns a refusal, or undefined when done; a refusal
 * changes nothing.
 */
export function handleRoomControl(message: RoomControlMessage, context: RoomControlContext): { code: ErrorCode; reason: string } | undefined {
  const { room, registry, host, log } = context;
  switch (message.type) {
    case 'set-lobby': {
      if (room.policy.lobby === message.enabled) return undefined;
      room.policy.lobby = message.enabled;
      log.info({ room: room.name, lobby: message.enabled }, 'lobby switched');
      room.broadcast({ type: 'lobby-changed', enabled: message.enabled });
      // Lobby off: whoever is waiting comes in, as far as the room has space.
      if (!message.enabled) {
        for (const waiter of room.lobby.takeAll()) {
          if (registry.hasSpace(room)) {
            waiter.admit(room);
            room.broadcastToHosts({ type: 'knock-ended', peerId: waiter.id, outcome: 'admitted' });
          } else {
            waiter.deny(`room "${room.name}" is full`);
            room.broadcastToHosts({ type: 'knock-ended', peerId: waiter.id, outcome: 'denied' });
          }
        }
      }
      return undefined;
    }
    case 'admit': {
      if (!room.lobby.has(message.peerId)) return { code: 'not-waiting', reason: `nobody with id ${message.peerId} is waiting to enter` };
      if (!registry.hasSpace(room)) return { code: 'room-full', reason: `room "${room.name}" is full; nobody can be let in now` };
      const waiter = room.lobby.take(message.peerId);
      // Hosts learn first, so the newcomer's peer-joined finds the knock already answered.
      room.broadcastToHosts({ type: 'knock-ended', peerId: message.peerId, outcome: 'admitted' });
      waiter?.admit(room);
      return undefined;
    }
    case 'deny': {
      const waiter = room.lobby.take(message.peerId);
      if (!waiter) return { code: 'not-waiting', reason: `nobody with id ${message.peerId} is waiting to enter` };
      waiter.deny('a host did not let you in');
      room.broadcastToHosts({ type: 'knock-ended', peerId: message.peerId, outcome: 'denied' });
      return undefined;
    }
    case 'remove': {
      if (message.peerId === host.id) return { code: 'bad-target', reason: 'to leave, send leave; a host cannot remove itself' };
      const target = room.get(message.peerId);
      if (!target) return { code: 'not-in-room', reason: `participant ${message.peerId} is not in this room` };
      log.info({ room: room.name, removed: target.id }, 'participant removed by a host');
      target.expel(`${host.name} removed you from the call`);
      return undefined;
    }
  }
}
