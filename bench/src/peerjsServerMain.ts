#!/usr/bin/env node
/**
 * PeerJS's own server (npm `peer`) with its defaults, as its README starts it,
 * on a free loopback port: its own process, like Parley's server, so neither
 * shares the benchmark's event loop. Prints `peerjs listening on <port>`.
 */
import type { AddressInfo } from 'node:net';
import { PeerServer } from 'peer';

PeerServer({ host: '127.0.0.1', port: 0, path: '/', allow_discovery: false }, (server) => {
  process.stdout.write(`peerjs listening on ${(server.address() as AddressInfo).port}\n`);
});
