import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerConfig } from './config.js';
import { iceServerProvider } from './iceServers.js';
import { createLogger, type Logger } from './logger.js';
import { RoomRegistry } from './RoomRegistry.js';
import { SignalingServer } from './SignalingServer.js';
import { createStaticSite } from './StaticSite.js';

export interface RunningServer {
  /** http://host:port of the app; the signaling socket is at `${url}/ws` with ws: */
  readonly url: string;
  readonly port: number;
  readonly registry: RoomRegistry;
  readonly signaling: SignalingServer;
  close(): Promise<void>;
}

/**
 * One HTTP server on one port: the web app, `/healthz`, and the signaling
 * WebSocket at /ws. Resolves once it listens.
 */
export async function startParleyServer(config: ServerConfig, log: Logger = createLogger(config.logLevel)): Promise<RunningServer> {
  const registry = new RoomRegistry({ maxParticipants: config.maxParticipants });
  const signaling = new SignalingServer({ config, registry, iceServers: iceServerProvider(config), log });
  const serveStatic = config.staticDir === '' ? undefined : createStaticSite(config.staticDir, config.frameAncestors);

  const http: Server = createServer((request, response) => {
    if (request.url === '/healthz') {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      response.end(JSON.stringify({ status: 'ok', rooms: registry.roomCount, participants: registry.participantCount }));
      return;
    }
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

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const { port } = http.address() as AddressInfo;
  const shownHost = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${shownHost === '0.0.0.0' ? '127.0.0.1' : shownHost}:${port}`;
  log.info({ url, staticDir: config.staticDir || null }, 'parley listening');

  return {
    url,
    port,
    registry,
    signaling,
    close: () =>
      new Promise<void>((resolve) => {
        signaling.close();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}
