import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerConfig } from './config.js';
import { iceServerProvider } from './iceServers.js';
import { createLogger, type Logger } from './logger.js';
import { NO_METRICS, PrometheusMetrics } from './Metrics.js';
import { RoomRegistry } from './RoomRegistry.js';
import { SignalingServer } from './SignalingServer.js';
import { createStaticSite } from './StaticSite.js';
import { startRoomService } from './cluster/startRoomService.js';

export interface RunningServer {
  /** http://host:port of the app; the signaling socket is at `${url}/ws` with ws: */
  readonly url: string;
  readonly port: number;
  /** http://host:port of the /metrics listener when it has a port of its own. */
  readonly metricsUrl: string | undefined;
  readonly registry: RoomRegistry;
  readonly signaling: SignalingServer;
  /** This node's id in the cluster (REDIS_URL set); undefined when rooms stay in this process. */
  readonly nodeId: string | undefined;
  /** False once shutting down: /readyz says 503 and new connections are refused. */
  readonly ready: boolean;
  /**
   * Graceful shutdown: refuse new connections and fail /readyz, wait
   * `drainDelayMs` for the load balancer to notice, then close every socket
   * with 1001 so clients resume elsewhere, and stop listening.
   */
  shutdown(): Promise<void>;
  /** Closes at once (no drain delay). */
  close(): Promise<void>;
}

/**
 * One HTTP server on one port: the web app, `/healthz` (alive), `/readyz`
 * (ready for new connections) and the signaling WebSocket at /ws; `/metrics`
 * on a listener of its own unless configured onto this port.
 */
export async function startParleyServer(config: ServerConfig, log: Logger = createLogger(config.logLevel)): Promise<RunningServer> {
  const registry = new RoomRegistry({ maxParticipants: config.maxParticipants });
  // With REDIS_URL: refuses to start when Redis cannot be reached, rather than come up half-clustered.
  const rooms = config.redisUrl
    ? await startRoomService({ redisUrl: config.redisUrl, registry, capacity: config.maxParticipants, presenceTtlMs: config.presenceTtlMs, busBacklogBytes: config.busBacklogBytes })
    : undefined;
  const cluster = rooms?.cluster;
  if (rooms && cluster) watchCluster(rooms.nodeId, cluster, log);
  const prometheus =
    config.metricsPort === 0
      ? undefined
      : new PrometheusMetrics({ rooms: () => registry.roomCount, participants: () => registry.participantCount, readPausedSockets: (): number => signaling.readPausedCount });
  const signaling: SignalingServer = new SignalingServer({
    config,
    registry,
    ...(rooms && cluster
      ? { cluster: { rooms: cluster.rooms, presence: cluster.presence, nonces: rooms.nonces, guesses: cluster.guesses, removedTokens: cluster.removedTokens, bus: cluster.bus } }
      : {}),
    iceServers: iceServerProvider(config),
    log,
    metrics: prometheus ?? NO_METRICS,
  });
  const serveStatic = config.staticDir === '' ? undefined : createStaticSite(config.staticDir, config.frameAncestors);
  let ready = true;
  const metricsOnPublicPort = prometheus !== undefined && config.metricsPort === config.port;

  const http: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      return json(response, 200, { status: 'ok', rooms: registry.roomCount, participants: registry.participantCount });
    }
    if (path === '/readyz') {
      if (!ready) return json(response, 503, { status: 'shutting down' });
      if (!cluster) return json(response, 200, { status: 'ready' });
      // Without Redis this node can hold its own calls but not join anyone to a shared room: not ready.
      void cluster.directory.ping(READINESS_PING_MS).then((reachable) => {
        if (reachable) json(response, 200, { status: 'ready' });
        else json(response, 503, { status: 'redis unreachable' });
      });
      return;
    }
    if (path === '/metrics' && metricsOnPublicPort) return serveMetrics(prometheus, response, log);
    if (!serveStatic) {
      response.writeHead(404).end();
      return;
    }
    serveStatic(request, response).catch((error: unknown) => {
      log.error({ err: error }, 'static file error');
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  http.on('upgrade', (request, socket, head) => signaling.handleUpgrade(request, socket, head));
  http.on('clientError', (_error, socket) => socket.destroy());
  const port = await listen(http, config.port, config.host);
  const url = httpUrl(config.host, port);

  let metricsServer: Server | undefined;
  let metricsUrl: string | undefined;
  if (prometheus && !metricsOnPublicPort) {
    metricsServer = createServer((request: IncomingMessage, response) => {
      if ((request.url ?? '').split('?')[0] === '/metrics') return serveMetrics(prometheus, response, log);
      response.writeHead(404).end();
    });
    metricsUrl = httpUrl(config.metricsHost, await listen(metricsServer, config.metricsPort, config.metricsHost));
  }
  log.info({ url, metricsUrl: metricsUrl ?? (metricsOnPublicPort ? `${url}/metrics` : null), staticDir: config.staticDir || null }, 'parley listening');

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      ready = false;
      signaling.close();
      metricsServer?.close();
      metricsServer?.closeAllConnections();
      http.close(() => resolve());
      http.closeAllConnections();
    }).then(async () => {
      // Last: the node stays listed until its presence runs out, so its members can resume elsewhere first.
      await rooms?.close();
    }));

  return {
    url,
    port,
    metricsUrl,
    registry,
    signaling,
    nodeId: rooms?.nodeId,
    get ready() {
      return ready;
    },
    async shutdown() {
      ready = false;
      signaling.stopAccepting();
      log.info({ drainDelayMs: config.drainDelayMs, connections: signaling.connectionCount }, 'draining');
      if (config.drainDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.drainDelayMs));
      await close();
    },
    close,
  };
}

/** How long /readyz waits for Redis to answer a PING (probes usually time out after 1 s). */
const READINESS_PING_MS = 800;
/** A part of the cluster that keeps failing (Redis away) logs once per this long, not once per retry. */
const CLUSTER_LOG_EVERY_MS = 5000;

/** Logs what the cluster's parts report: state changes always, errors at most once per interval per part. */
function watchCluster(nodeId: string, cluster: NonNullable<Awaited<ReturnType<typeof startRoomService>>['cluster']>, log: Logger): void {
  const clusterLog = log.child({ node: nodeId });
  clusterLog.info('rooms shared through Redis');
  const lastLogged = new Map<string, number>();
  const report = (part: string) => (error: Error) => {
    const now = Date.now();
    if (now - (lastLogged.get(part) ?? 0) < CLUSTER_LOG_EVERY_MS) return;
    lastLogged.set(part, now);
    clusterLog.warn({ part, err: error.message }, 'cluster problem (retrying)');
  };
  cluster.bus.on('error', report('bus'));
  cluster.presence.on('error', report('presence'));
  cluster.rooms.on('error', report('delivery'));
  cluster.bus.on('state', (state, previous) => clusterLog.info({ from: previous, to: state }, 'node bus'));
  cluster.bus.on('flow', (flow, previous) => {
    // Congestion comes and goes many times a second under a burst; a stall is news.
    if (flow === 'stalled' || previous === 'stalled') clusterLog.warn({ from: previous, to: flow }, 'node bus flow');
    else clusterLog.debug({ from: previous, to: flow }, 'node bus flow');
  });
  cluster.bus.on('gap', (fromNode, missing) => clusterLog.warn({ fromNode, missing }, 'messages from another node were lost'));
  cluster.presence.on('node-down', (node, rooms) => clusterLog.info({ deadNode: node, rooms: rooms.length }, 'reaped a dead node'));
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  response.end(JSON.stringify(body));
}

function serveMetrics(prometheus: PrometheusMetrics, response: ServerResponse, log: Logger): void {
  prometheus.registry.metrics().then(
    (text) => {
      response.writeHead(200, { 'Content-Type': prometheus.registry.contentType, 'Cache-Control': 'no-store' });
      response.end(text);
    },
    (error: unknown) => {
      log.error({ err: error }, 'metrics collection failed');
      response.writeHead(500).end();
    },
  );
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function httpUrl(host: string, port: number): string {
  const shown = host.includes(':') ? `[${host}]` : host;
  return `http://${shown === '0.0.0.0' ? '127.0.0.1' : shown}:${port}`;
}
