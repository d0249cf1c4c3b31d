#!/usr/bin/env node
/**
 * `npm run coturn`: a local coturn for development on 127.0.0.1 with a fresh
 * secret, and the settings to give Parley. Ctrl-C stops it (by its PID).
 */
import { Coturn } from './Coturn.js';

const port = Number(process.env.TURN_PORT ?? 3478);
const coturn = await Coturn.start({ port, allowLoopbackPeers: true });
process.stdout.write(
  [
    `coturn ${coturn.child.pid} listening on ${coturn.ip}:${coturn.port} (UDP and TCP).`,
    'Start Parley with these settings in another terminal:',
    '',
    `  STUN_URLS=stun:${coturn.ip}:${coturn.port} \\`,
    `  TURN_URLS=turn:${coturn.ip}:${coturn.port}?transport=udp,turn:${coturn.ip}:${coturn.port}?transport=tcp \\`,
    `  TURN_SECRET=${coturn.secret} npm start`,
    '',
    'This instance allows loopback peers so tabs on this machine can relay to each other;',
    'never do that in production (see deploy/coturn/turnserver.conf).',
    '',
  ].join('\n'),
);
let stopping = false;
const stop = () => {
  stopping = true;
  void coturn.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
coturn.child.once('exit', (code) => {
  if (stopping) return;
  process.stderr.write(`coturn exited (${code}):\n${coturn.log}\n`);
  process.exit(1);
});
