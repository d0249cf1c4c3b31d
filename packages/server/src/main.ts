#!/usr/bin/env node
import { ConfigError, configurationReference, describeOptions, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startParleyServer } from './ParleyServer.js';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(`Usage: parley-server [options]\n\nEvery option can also be set by its environment variable.\n\n${describeOptions()}\n`);
  process.exit(0);
}

if (argv.includes('--config-reference')) {
  process.stdout.write(`${configurationReference()}\n`);
  process.exit(0);
}

let config;
try {
  config = loadConfig(argv, process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`parley-server: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}

const log = createLogger(config.logLevel);
let server;
try {
  server = await startParleyServer(config, log);
} catch (error) {
  // A port in use, or REDIS_URL set and Redis not reachable: said in one line, not a stack.
  process.stderr.write(`parley-server: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
if (log.isLevelEnabled('info') === false) process.stdout.write(`Parley on ${server.url}\n`);

// SIGTERM (systemd, Kubernetes, a rolling restart): drain, close every socket
// with 1001 so clients resume on another node, exit within the bound.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      log.warn({ shutdownTimeoutMs: config.shutdownTimeoutMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    void server.shutdown().then(() => process.exit(0));
  });
}
