#!/usr/bin/env node
/**
 * The reference signaling servers, each run as its own process exactly like the
 * Parley server so /proc can tell its CPU and memory apart from the load:
 *
 *   node serve.js floor|peerjs|socketio <port>
 *
 * Prints `listening <port>` once it accepts connections.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PeerServer } from 'peer';
import { Server as SocketIoServer } from 'socket.io';
import { BareRelay } from '../BareRelay.js';

const [system, portText] = process.argv.slice(2);
const port = Number(portText ?? '0');

/** Many more clients than PeerJS's default 5,000 are measured here, so its connection cap is raised (as anyone would). */
const PEERJS_CONCURRENT_LIMIT = 20_000;

async function listen(http: Server): Promise<number> {
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  return (http.address() as AddressInfo).port;
}

/** The bare `ws` relay: the floor. */
async function floor(): Promise<number> {
  const http = createServer((_request, response) => response.writeHead(404).end());
  BareRelay.attach(http);
  return listen(http);
}

/** PeerJS's own server as its README starts it; OFFER/ANSWER/CANDIDATE carry `dst` and get `src` stamped. */
async function peerjs(): Promise<number> {
  return new Promise((resolve) => {
    PeerServer({ port, host: '127.0.0.1', key: 'peerjs', path: '/', concurrent_limit: PEERJS_CONCURRENT_LIMIT }, (server) =>
      resolve((server.address() as AddressInfo).port),
    );
  });
}

/**
 * The relay the Socket.IO tutorials write: join a room, learn who is there,
 * and `socket.to(target).emit('signal', …)` with the sender's socket id.
 */
async function socketio(): Promise<number> {
  const http = createServer();
  const io = new SocketIoServer(http);
  io.on('connection', (socket) => {
    socket.on('join', ({ room, name }: { room: string; name: string }) => {
      socket.data.name = name;
      const others = [...(io.sockets.adapter.rooms.get(room) ?? [])];
      void socket.join(room);
      socket.emit('peers', others.map((id) => ({ id, name: io.sockets.sockets.get(id)?.data.name as string })));
      socket.to(room).emit('peer-joined', { id: socket.id, name });
    });
    socket.on('signal', ({ to, signal }: { to: string; signal: unknown }) => {
      socket.to(to).emit('signal', { from: socket.id, signal });
    });
  });
  return listen(http);
}

const starters: Record<string, () => Promise<number>> = { floor, peerjs, socketio };
const start = system === undefined ? undefined : starters[system];
if (!start || !Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write('usage: serve.js floor|peerjs|socketio <port>\n');
  process.exit(2);
}
const listening = await start();
process.stdout.write(`listening ${listening}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
