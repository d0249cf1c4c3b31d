import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { PeerId, PeerLeftReason, ResumeMessage } from '@parley/protocol';
import { Admission } from './Admission.js';
import { ClientSession } from './ClientSession.js';
import type { SessionDeps } from './SessionDeps.js';
import { ConnectionQuota, clientAddress } from './ConnectionQuota.js';
import type { ServerConfig } from './config.js';
import type { IceServerProvider } from './iceServers.js';
import type { Logger } from './logger.js';
import type { SignalingMetrics } from './Metrics.js';
import { isOriginAllowed } from './origin.js';
import { RemovedTokens } from './RemovedTokens.js';
import { ResumeTokens } from './ResumeTokens.js';
import { rememberStream } from './writeBatching.js';
import { HEARTBEAT_VISITS_PER_INTERVAL, heartbeatTiming, type HeartbeatTiming } from './Heartbeat.js';
import type { RoomRegistry } from './RoomRegistry.js';
import { RoomTokens } from './RoomTokens.js';
import type { StartedRoomService } from './cluster/startRoomService.js';
import type { NonceLedger } from './cluster/NonceLedger.js';
import type { Maybe } from './maybe.js';
import { RoomGateway } from './RoomGateway.js';
import { ReadPause } from './ReadPause.js';

export const SIGNALING_PATH = '/ws';

/** The listeners every accepted socket shares; `this` is the socket they fire for. */
interface SocketHandlers {
  message(this: WebSocket, data: RawData, isBinary: boolean): void;
  pong(this: WebSocket, data: Buffer): void;
  close(this: WebSocket): void;
  error(this: WebSocket, error: Error): void;
}

/** A resume token may be presented this long after it was issued (a call can last a day). */
const RESUME_TOKEN_LIFETIME_MS = 24 * 3600 * 1000;
/**
 * The heartbeat's timer fires this many times per visit of every connection
 * (see Heartbeat.ts), each time looking at the next slice of them. Pinging
 * 10,000 sockets in one pass, even in chunks, made a burst of pings and then
 * of pongs every 5 s that held the signals arriving meanwhile for 10–20 ms;
 * a rolling visit spreads them over the whole interval.
 */
const HEARTBEAT_TICKS_PER_VISIT = 10;
/**
 * Pings one tick may send, as a multiple of what the steady state needs:
 * when many connections fell silent together (after a burst of call setups)
 * their pings are spread over a few ticks rather than sent at once.
 */
const HEARTBEAT_PING_HEADROOM = 4;
/** A small server may always ping this many per tick. */
const MIN_PINGS_PER_TICK = 16;
/** Short intervals (tests) visit less often rather than spin a timer every millisecond. */
const MIN_HEARTBEAT_TICK_MS = 5;
/** Messages a client may send while its resume is being decided (with Redis, a round trip); they wait for it. */
const MAX_HELD_DURING_RESUME = 64;

export interface SignalingServerOptions {
  config: Pick<
    ServerConfig,
    | 'maxMessageBytes'
    | 'heartbeatIntervalMs'
    | 'allowedOrigins'
    | 'resumeWindowMs'
    | 'sessionSecret'
    | 'rateLimitPerSecond'
    | 'rateLimitBurst'
    | 'maxConnectionsPerIp'
    | 'joinTimeoutMs'
    | 'trustProxy'
    | 'jwtSecret'
  >;
  registry: RoomRegistry;
  /** Rooms shared with other nodes through Redis (REDIS_URL); absent, they are `registry` alone. */
  cluster?: Pick<StartedRoomService, 'nonces'> & {
    [K in 'rooms' | 'presence' | 'guesses' | 'removedTokens']: NonNullable<StartedRoomService['cluster']>[K];
  } & {
    /** The bus to the other nodes: while it is congested, clients' sockets are not read (see ReadPause). */
    bus?: Pick<NonNullable<StartedRoomService['cluster']>['bus'], 'on'>;
  };
  iceServers: IceServerProvider;
  log: Logger;
  metrics: SignalingMetrics;
}

/**
 * The WebSocket side of Parley: accepts upgrades on /ws from allowed origins,
 * gives each socket a ClientSession, and drops sockets that stop answering pings.
 */
export class SignalingServer {
  readonly #wss: WebSocketServer;
  readonly #sessions = new Map<WebSocket, ClientSession>();
  /** Participants in a room, connected or suspended: whom a resume can reach. */
  readonly #members = new Map<PeerId, ClientSession>();
  /** Participants who left, expired or were removed, and when: their tokens are void here. */
  readonly #departed = new Map<PeerId, { at: number; reason: PeerLeftReason }>();
  readonly #tokens: ResumeTokens;
  readonly #admission: Admission;
  readonly #gateway: RoomGateway;
  /** Spent resume-token nonces shared by every node; undefined: one node, whose sessions know their own tokens. */
  readonly #nonces: NonceLedger | undefined;
  /** Sockets whose resume is being decided, and what their clients sent meanwhile. */
  readonly #held = new Map<WebSocket, string[]>();
  readonly #heartbeat: NodeJS.Timeout;
  readonly #heartbeatTiming: HeartbeatTiming;
  readonly #heartbeatTickMs: number;
  /** Where the heartbeat's rolling visit of the sessions stands; undefined: start a new round. */
  #heartbeatCursor: Iterator<[WebSocket, ClientSession]> | undefined;
  readonly #quota: ConnectionQuota;
  /** Shutting down: new connections are turned away so the load balancer sends them elsewhere. */
  #accepting = true;
  /** Shared by every session (see SessionDeps). */
  readonly #sessionDeps: SessionDeps;
  /** Each accepted socket's client address, counted against its quota until the socket closes. */
  readonly #addresses = new Map<WebSocket, string>();
  readonly #socketHandlers = this.#makeSocketHandlers();
  /** Stops reading clients while the bus to the other nodes is congested. */
  readonly #readPause = new ReadPause();
  /** When the read pause began (performance.now()), for its metric; undefined: not engaged. */
  #readPauseSince: number | undefined;

  constructor(private readonly options: SignalingServerOptions) {
    // Without a configured secret, tokens die with the process: resumes still work across dropped connections.
    const secret = options.config.sessionSecret || randomBytes(32).toString('hex');
    this.#tokens = new ResumeTokens(secret, RESUME_TOKEN_LIFETIME_MS);
    const roomTokens = options.config.jwtSecret ? new RoomTokens(options.config.jwtSecret) : undefined;
    const cluster = options.cluster;
    this.#admission = new Admission(options.registry, cluster?.removedTokens ?? new RemovedTokens(), roomTokens, cluster?.rooms, cluster?.guesses);
    this.#gateway = new RoomGateway(options.registry, options.cluster?.rooms);
    this.#nonces = options.cluster?.nonces;
    if (options.cluster) {
      const { rooms, presence } = options.cluster;
      rooms.on('released', (member) => {
        const session = this.#members.get(member.id);
        if (session === member) session.release('moved');
      });
      rooms.on('delivery-missed', (outcome, count) => options.metrics.clusterDeliveryMissed(outcome, count));
      options.cluster.bus?.on('flow', (flow) => {
        if (flow === 'congested') this.#engageReadPause();
        else this.#releaseReadPause();
      });
      presence.on('node-down', () => options.metrics.clusterPresence('reaped'));
      presence.on('evicted', () => {
        options.metrics.clusterPresence('evicted');
        options.log.warn({ members: this.#members.size }, 'this node was declared dead; letting its participants resume');
        for (const session of [...this.#members.values()]) session.release('evicted');
      });
    }
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.config.maxMessageBytes,
      // Compression costs CPU and memory per socket for messages of a few KB.
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.#quota = new ConnectionQuota(options.config.maxConnectionsPerIp);
    this.#sessionDeps = {
      registry: options.registry,
      gateway: this.#gateway,
      admission: this.#admission,
      iceServers: options.iceServers,
      tokens: this.#tokens,
      resumeWindowMs: options.config.resumeWindowMs,
      rateLimit: { perSecond: options.config.rateLimitPerSecond, burst: options.config.rateLimitBurst },
      log: options.log,
      metrics: options.metrics,
      resume: (session, message) => this.#resume(session, message),
      membershipChanged: (session, member, reason = 'left') => this.#membershipChanged(session, member, reason),
    };
    this.#heartbeatTiming = heartbeatTiming(options.config.heartbeatIntervalMs);
    this.#heartbeatTickMs = Math.max(MIN_HEARTBEAT_TICK_MS, options.config.heartbeatIntervalMs / HEARTBEAT_VISITS_PER_INTERVAL / HEARTBEAT_TICKS_PER_VISIT);
    this.#heartbeat = setInterval(() => this.#heartbeatTick(), this.#heartbeatTickMs);
    this.#heartbeat.unref();
  }

  get connectionCount(): number {
    return this.#sessions.size;
  }

  /** Client sockets not being read now, while the bus to the other nodes is congested. */
  get readPausedCount(): number {
    return this.#readPause.pausedCount;
  }

  /** Takes an HTTP upgrade request; refuses other paths and foreign origins before the handshake. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (request.url ?? '').split('?')[0];
    if (path !== SIGNALING_PATH) return rejectUpgrade(socket, 404, 'Not Found');
    if (!this.#accepting) return rejectUpgrade(socket, 503, 'Service Unavailable');
    if (!isOriginAllowed(request.headers.origin, request.headers.host, this.options.config.allowedOrigins)) {
      this.options.log.warn({ origin: request.headers.origin }, 'refused WebSocket from a foreign origin');
      return rejectUpgrade(socket, 403, 'Forbidden');
    }
    const address = clientAddress(request, this.options.config.trustProxy);
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      rememberStream(ws, socket);
      this.#accept(ws, address);
    });
  }

  /** The first step of a graceful shutdown: new connections are refused (503), current ones go on. */
  stopAccepting(): void {
    this.#accepting = false;
  }

  /**
   * Closes every socket with 1001 (going away) and stops the heartbeat. Nobody
   * is told anyone left: calls go on peer to peer and clients resume on the
   * next server (restarted, or another node sharing SESSION_SECRET).
   */
  close(): void {
    clearInterval(this.#heartbeat);
    this.#releaseReadPause();
    for (const session of [...this.#sessions.values(), ...this.#members.values()]) session.shutdown();
    for (const ws of this.#sessions.keys()) ws.close(1001, 'server shutting down');
    this.#sessions.clear();
    this.#wss.close();
  }

  #engageReadPause(): void {
    if (this.#readPause.engaged) return;
    this.#readPause.engage(this.#sessions.keys());
    this.#readPauseSince = performance.now();
    this.options.metrics.readPauseStarted();
  }

  #releaseReadPause(): void {
    this.#readPause.release();
    if (this.#readPauseSince === undefined) return;
    this.options.metrics.readPauseEnded((performance.now() - this.#readPauseSince) / 1000);
    this.#readPauseSince = undefined;
  }

  #accept(ws: WebSocket, address: string): void {
    // Accepted first and then refused in words: a browser cannot read the status of a failed upgrade.
    if (!this.#quota.acquire(address)) {
      this.options.log.warn({ address }, 'too many connections from one address');
      this.options.metrics.refused('too-many-connections');
      ws.on('error', () => {});
      ws.send(JSON.stringify({ type: 'error', code: 'too-many-connections', message: 'too many connections from your address; close some tabs' }));
      ws.close(1008, 'too many connections');
      return;
    }
    this.options.metrics.connectionOpened();
    this.#addresses.set(ws, address);
    this.#sessions.set(ws, this.#newSession(ws, address));
    // The session of a socket can change (a resume moves the socket into the
    // participant's old session), so every handler looks it up afresh. The
    // handlers are the server's, shared by every socket (`this` is the socket).
    ws.on('message', this.#socketHandlers.message);
    ws.on('pong', this.#socketHandlers.pong);
    ws.on('close', this.#socketHandlers.close);
    // 'error' precedes 'close' (e.g. 1009 for an oversized message); without a
    // listener the error would be thrown and take the whole server down.
    ws.on('error', this.#socketHandlers.error);
    this.#readPause.add(ws);
  }

  /**
   * The listeners every accepted socket gets, made once per server: a closure
   * per socket for each would be memory held by every idle connection.
   */
  #makeSocketHandlers(): SocketHandlers {
    const server = this;
    return {
      message(this: WebSocket, data: RawData, isBinary: boolean) {
        const held = server.#held.get(this);
        if (held && !isBinary) {
          if (held.length < MAX_HELD_DURING_RESUME) held.push(data.toString());
          return;
        }
        const session = server.#sessions.get(this);
        if (!session) return;
        if (isBinary) return session.handleBinary();
        session.handleText(data.toString());
      },
      pong(this: WebSocket, data: Buffer) {
        server.#sessions.get(this)?.ponged(data);
      },
      close(this: WebSocket) {
        const address = server.#addresses.get(this);
        if (address !== undefined) server.#quota.release(address);
        server.#addresses.delete(this);
        server.#readPause.forget(this);
        server.options.metrics.connectionClosed();
        server.#sessions.get(this)?.handleClose();
        server.#sessions.delete(this);
      },
      error(this: WebSocket, error: Error) {
        server.options.log.debug({ participant: server.#sessions.get(this)?.id, err: error.message }, 'socket error');
      },
    };
  }

  #newSession(ws: WebSocket, ip: string, id?: PeerId): ClientSession {
    return new ClientSession(ws, this.#sessionDeps, ip, id);
  }

  #membershipChanged(session: ClientSession, member: boolean, reason: PeerLeftReason | 'moved'): void {
    if (member) {
      this.#members.set(session.id, session);
      this.#departed.delete(session.id);
    } else if (this.#members.get(session.id) === session) {
      this.#members.delete(session.id);
      if (reason === 'moved') return;
      this.#departed.set(session.id, { at: Date.now(), reason });
      // Gone for good: its last token must not bring it back through another node either (and a removal is told as one).
      void this.#nonces?.use(session.tokenNonce, Date.now() + RESUME_TOKEN_LIFETIME_MS, reason === 'removed' ? 'removed' : 'used');
    }
  }

  /**
   * `resume` on a fresh socket. A genuine token for a participant we hold
   * moves this socket into its session; one for a participant we never held
   * (this server restarted, or another node issued it) restores it from the
   * token. Used tokens, and participants who left or expired here, are refused.
   */
  #resume(requester: ClientSession, message: ResumeMessage): void {
    const ws = requester.socket;
    const decided = this.#decideResume(requester, message);
    if (!(decided instanceof Promise)) return;
    // Decided over Redis: what the client sends meanwhile waits, then goes to whichever session holds the socket.
    this.#held.set(ws, []);
    decided
      .catch((error: unknown) => {
        this.options.log.error({ err: error }, 'resume failed');
        requester.refuse(message.id, 'internal', 'the server failed while handling this resume');
      })
      .finally(() => {
        const held = this.#held.get(ws) ?? [];
        this.#held.delete(ws);
        for (const text of held) this.#sessions.get(ws)?.handleText(text);
      });
  }

  #decideResume(requester: ClientSession, message: ResumeMessage): Maybe<void> {
    const claims = this.#tokens.verify(message.resumeToken);
    const refuse = (why: string) => requester.refuse(message.id, 'resume-failed', why);
    if (!claims) return refuse('the resume token is not valid (forged or expired); join again');
    const ws = requester.socket;
    const existing = this.#members.get(claims.participantId);
    if (existing) {
      if (!existing.acceptsResumeNonce(claims.nonce)) return refuse('this resume token was already used; join again');
      const room = existing.room;
      if (!room) return refuse('your place in the room has ended; join again');
      // Spent for every node too, so the same token cannot also take this participant to another one.
      void this.#nonces?.use(claims.nonce, claims.issuedAt + RESUME_TOKEN_LIFETIME_MS);
      const unavailable = () => requester.refuse(message.id, 'unavailable', 'the rooms cannot be reached right now; try again shortly');
      return this.#then(this.#gateway.peersOf(room, existing), (peers) => {
        if (!peers) return unavailable();
        // A host is told who waits in the lobby, which with Redis is read there.
        return this.#then(existing.isHost ? this.#gateway.waitingFor(room) : [], (waiting) => {
          if (!waiting) return unavailable();
          if (this.#members.get(claims.participantId) !== existing || requester.state !== 'connected') return;
          this.#sessions.delete(existing.socket);
          this.#sessions.set(ws, existing);
          existing.adopt(ws, message.id, message.lastSeq, peers, waiting);
        });
      });
    }
    this.#pruneDeparted();
    const departed = this.#departed.get(claims.participantId);
    if (departed?.reason === 'removed') {
      return requester.refuse(message.id, 'removed', 'a host removed you from this room; you cannot come back with this token');
    }
    if (departed) return refuse('your place in the room has ended; join again');
    const restore = () => {
      if (requester.state !== 'connected' || this.#sessions.get(ws) !== requester) return;
      const restored = this.#newSession(ws, requester.ip, claims.participantId);
      this.#sessions.set(ws, restored);
      return this.#then(restored.restore(claims, message.id), () => {
        if (restored.state !== 'joined' && this.#sessions.get(ws) === restored) this.#sessions.set(ws, requester);
      });
    };
    // One node: its sessions know which of their tokens were used. Several: a token held by none
    // of this node's sessions may have been used on another; Redis decides, once for all of them.
    if (!this.#nonces) return restore();
    return this.#nonces.use(claims.nonce, claims.issuedAt + RESUME_TOKEN_LIFETIME_MS).then((use) => {
      if (use.ok) return restore();
      if (use.code === 'unavailable') return requester.refuse(message.id, 'unavailable', 'the rooms cannot be reached right now; try again shortly');
      if (use.removed) return requester.refuse(message.id, 'removed', 'a host removed you from this room; you cannot come back with this token');
      return refuse('this resume token was already used; join again');
    });
  }

  /** `then` at once when the value is here, else when it comes (a Promise the caller waits on). */
  #then<T>(value: Maybe<T>, then: (value: T) => Maybe<void>): Maybe<void> {
    return value instanceof Promise ? value.then(then) : then(value);
  }

  #pruneDeparted(): void {
    const cutoff = Date.now() - RESUME_TOKEN_LIFETIME_MS;
    for (const [id, { at }] of this.#departed) if (at < cutoff) this.#departed.delete(id);
  }

  /**
   * One tick of the rolling heartbeat: the next slice of sessions is looked
   * at, so that each is visited HEARTBEAT_VISITS_PER_INTERVAL times per
   * interval (Heartbeat.ts decides whom to ping and whom to drop), and a
   * connection that stayed in no room too long is closed.
   */
  #heartbeatTick(): void {
    const now = Date.now();
    const sessions = this.#sessions.size;
    const slice = Math.ceil(sessions / HEARTBEAT_TICKS_PER_VISIT);
    const steadyPings = (sessions * this.#heartbeatTickMs) / this.#heartbeatTiming.pingAfterSilenceMs;
    let pingsLeft = Math.max(MIN_PINGS_PER_TICK, Math.ceil(steadyPings * HEARTBEAT_PING_HEADROOM));
    const roomlessCutoff = now - this.options.config.joinTimeoutMs;
    for (let n = 0; n < slice && pingsLeft > 0; n++) {
      this.#heartbeatCursor ??= this.#sessions.entries();
      const next = this.#heartbeatCursor.next();
      if (next.done) {
        // A round is over; the next tick starts another (sessions made meanwhile included).
        this.#heartbeatCursor = undefined;
        return;
      }
      const [ws, session] = next.value;
      const roomlessSince = session.roomlessSince;
      // A socket we stopped reading (ReadPause) may have its join waiting unread: not its fault; looked at again once read.
      if (roomlessSince !== undefined && roomlessSince <= roomlessCutoff && ws.readyState === ws.OPEN && !ws.isPaused) {
        this.options.log.info({ participant: session.id }, 'in no room for too long; closing');
        this.options.metrics.joinTimedOut();
        session.refuse(undefined, 'join-timeout', 'this connection joined no room in time; reconnect to join');
        ws.close(1008, 'join timeout');
        continue;
      }
      const beat = session.heartbeat(now, this.#heartbeatTiming);
      // Closing already (dropped, refused, or saying goodbye): nothing more to ask of it.
      if (beat.verdict === 'wait' || ws.readyState !== ws.OPEN) continue;
      if (beat.verdict === 'drop') {
        // Not read because we paused it (ReadPause): its pong may be waiting unread; it is not silent.
        if (ws.isPaused) {
          session.touch();
          continue;
        }
        this.options.log.info({ participant: session.id }, 'no pong; dropping connection');
        ws.terminate();
      } else if (beat.verdict === 'ping') {
        pingsLeft--;
        ws.ping(beat.payload);
      }
    }
  }
}

function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
