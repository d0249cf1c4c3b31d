import { PROTOCOL_VERSION } from '@parley/protocol';
import type { SignalPayload } from './payloads.js';

/** Measured by default. `parley-3`: three Parley nodes sharing one Redis, the members of each room on different nodes. */
export const SYSTEMS = ['parley', 'parley-3', 'floor', 'peerjs', 'socketio'] as const;
/**
 * Measured only when named in `--systems`: Parley under a setting being
 * weighed against Parley as deployed. `parley-semi2`: node
 * `--max-semi-space-size=2` (a young generation of 2 MB semi-spaces instead of up to 16).
 */
export const EXPERIMENTS = ['parley-semi2'] as const;
export type SystemName = (typeof SYSTEMS)[number] | (typeof EXPERIMENTS)[number];
export const ALL_SYSTEMS: readonly SystemName[] = [...SYSTEMS, ...EXPERIMENTS];

/** What a client's protocol tells the load generator, whatever the wire looks like. */
export interface ProtocolEvents {
  /** The server accepted us under this id. */
  ready(selfId: string): void;
  /** A room mate's wire id and the name it joined with. */
  peer(id: string, name: string): void;
  /** A relayed signal and the sender the server stamped on it. */
  signal(fromId: string, payload: unknown): void;
  /** Protocol housekeeping to send back (join, pong). */
  send(text: string): void;
  /** Anything the server refused or that made no sense. */
  problem(text: string): void;
}

export interface ClientIdentity {
  name: string;
  room: string;
}

/** One system's client side, spoken over the same `ws` client for all. */
export interface ClientProtocol {
  path(client: ClientIdentity): string;
  /** True when clients are addressed by the names they choose (no server-minted ids to learn). */
  readonly idsAreNames: boolean;
  /** Something the real client sends on a timer while idle. */
  readonly heartbeat?: { everyMs: number; text: string };
  opened(client: ClientIdentity, events: ProtocolEvents): void;
  received(text: string, client: ClientIdentity, events: ProtocolEvents): void;
  /** `sent`: how many signals this client sent before this one. */
  encode(to: string, payload: SignalPayload, sent: number): string;
}

function parse(text: string, events: ProtocolEvents): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    events.problem(`not JSON: ${text.slice(0, 80)}`);
    return undefined;
  }
}

/**
 * Parley's protocol as packages/client speaks it: join, then `signal` with
 * `to` and the client's own running `seq`; the server stamps `from` and numbers
 * its pushes (acknowledged by the pongs `ws` sends on its own); a `ping` request every 5 s.
 */
const parley: ClientProtocol = {
  path: () => '/ws',
  idsAreNames: false,
  // The SDK asks `ping` every 5 s (SignalingSession's KEEPALIVE_INTERVAL_MS), since a browser cannot see
  // WebSocket pings: an idle Parley client is not silent, and the idle figures must pay for that like PeerJS's HEARTBEAT.
  heartbeat: { everyMs: 5000, text: JSON.stringify({ type: 'ping', id: 0 }) },
  opened(client, events) {
    events.send(JSON.stringify({ type: 'join', id: 1, room: client.room, name: client.name, protocolVersion: PROTOCOL_VERSION, media: { micMuted: false, cameraOff: false } }));
  },
  received(text, _client, events) {
    const message = parse(text, events) as Record<string, unknown> | undefined;
    switch (message?.['type']) {
      case 'signal':
        return events.signal(message['from'] as string, message['signal']);
      case 'joined':
        events.ready(message['selfId'] as string);
        for (const peer of message['peers'] as { id: string; name: string }[]) events.peer(peer.id, peer.name);
        return;
      case 'peer-joined': {
        const peer = message['peer'] as { id: string; name: string };
        return events.peer(peer.id, peer.name);
      }
      case 'error':
        return events.problem(`${message['code'] as string}: ${message['message'] as string}`);
    }
  },
  encode: (to, signal, sent) => JSON.stringify({ type: 'signal', to, signal, seq: sent + 1 }),
};

/** The bare relay: `@<to>\n<body>` out, `@<from>\n<body>` in. */
const floor: ClientProtocol = {
  path: (client) => `/?room=${encodeURIComponent(client.room)}&id=${encodeURIComponent(client.name)}`,
  idsAreNames: true,
  opened: (client, events) => events.ready(client.name),
  received(text, _client, events) {
    const end = text.indexOf('\n');
    if (!text.startsWith('@') || end < 0) return events.problem(`unexpected: ${text.slice(0, 80)}`);
    events.signal(text.slice(1, end), parse(text.slice(end + 1), events));
  },
  encode: (to, signal) => `@${to}\n${JSON.stringify(signal)}`,
};

/**
 * PeerJS's wire protocol (peerjs/lib/socket.ts and the `peer` server):
 * `/peerjs?key=&id=&token=`, OPEN on arrival, OFFER/ANSWER/CANDIDATE with
 * `dst`, the server stamps `src`; the client sends HEARTBEAT every 5 s.
 */
const peerjs: ClientProtocol = {
  path: (client) => `/peerjs?key=peerjs&id=${encodeURIComponent(client.name)}&token=${Math.random().toString(36).slice(2)}`,
  idsAreNames: true,
  heartbeat: { everyMs: 5000, text: JSON.stringify({ type: 'HEARTBEAT' }) },
  opened: () => undefined,
  received(text, client, events) {
    const message = parse(text, events) as { type?: string; src?: string; payload?: { sdp?: unknown; candidate?: unknown; msg?: string } } | undefined;
    switch (message?.type) {
      case 'OPEN':
        return events.ready(client.name);
      case 'OFFER':
      case 'ANSWER':
        return events.signal(message.src ?? '', { description: message.payload?.sdp });
      case 'CANDIDATE':
        return events.signal(message.src ?? '', { candidate: message.payload?.candidate });
      default:
        return events.problem(`${message?.type ?? '?'}: ${message?.payload?.msg ?? ''}`);
    }
  },
  encode(to, signal) {
    const connectionId = `mc_${to}`;
    if ('description' in signal) {
      const type = signal.description.type === 'offer' ? 'OFFER' : 'ANSWER';
      return JSON.stringify({ type, payload: { sdp: signal.description, type: 'media', connectionId, browser: 'chrome', metadata: null }, dst: to });
    }
    return JSON.stringify({ type: 'CANDIDATE', payload: { candidate: signal.candidate, type: 'media', connectionId }, dst: to });
  },
};

/**
 * Socket.IO v4 over Engine.IO v4's websocket transport, by hand: `0{…}` open,
 * `40` connect to `/`, `42[event, data]` events, and a `3` for every ping `2`.
 */
const socketio: ClientProtocol = {
  path: () => '/socket.io/?EIO=4&transport=websocket',
  idsAreNames: false,
  opened: () => undefined,
  received(text, client, events) {
    if (text === '2') return events.send('3');
    if (text.startsWith('0{')) return events.send('40');
    if (text.startsWith('40')) {
      const { sid } = parse(text.slice(2), events) as { sid: string };
      events.ready(sid);
      return events.send(`42${JSON.stringify(['join', { room: client.room, name: client.name }])}`);
    }
    if (!text.startsWith('42')) return events.problem(`unexpected: ${text.slice(0, 80)}`);
    const [event, data] = parse(text.slice(2), events) as [string, unknown];
    switch (event) {
      case 'signal': {
        const { from, signal } = data as { from: string; signal: unknown };
        return events.signal(from, signal);
      }
      case 'peers':
        for (const peer of data as { id: string; name: string }[]) events.peer(peer.id, peer.name);
        return;
      case 'peer-joined': {
        const peer = data as { id: string; name: string };
        return events.peer(peer.id, peer.name);
      }
    }
  },
  encode: (to, signal) => `42${JSON.stringify(['signal', { to, signal }])}`,
};

export const PROTOCOLS: Record<SystemName, ClientProtocol> = { parley, 'parley-3': parley, 'parley-semi2': parley, floor, peerjs, socketio };
