import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRunning, stopChild } from './stopChild.js';

export interface CoturnOptions {
  /** Address to listen and relay on. */
  ip?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Relay port range; a private one per instance (coturn shares ports via SO_REUSEPORT). */
  minPort?: number;
  maxPort?: number;
  secret?: string;
  realm?: string;
  /** A config file to start from (e.g. deploy/coturn/turnserver.conf); flags below override it. */
  configFile?: string;
  /** Relay to loopback peers: only for calls between tabs of one machine, never in production. */
  allowLoopbackPeers?: boolean;
  extraArgs?: string[];
  /** Run inside a network namespace (`ip netns exec NAME`). */
  netns?: string;
  binary?: string;
}

/**
 * A real coturn, started as a child process with its own port, relay range,
 * pid file and user db, and stopped by its PID. Used by `npm run coturn` for
 * development and by the tests.
 */
export class Coturn {
  private constructor(
    readonly child: ChildProcess,
    readonly ip: string,
    readonly port: number,
    readonly secret: string,
    readonly realm: string,
    private readonly dir: string,
    private output: { text: string },
  ) {}

  static async start(options: CoturnOptions = {}): Promise<Coturn> {
    const ip = options.ip ?? '127.0.0.1';
    const port = options.port || (options.netns ? 3478 : await freePort(ip));
    const minPort = options.minPort ?? 40000 + (port % 200) * 100;
    const maxPort = options.maxPort ?? minPort + 99;
    const secret = options.secret ?? randomBytes(24).toString('hex');
    const realm = options.realm ?? 'parley.local';
    const dir = await mkdtemp(join(tmpdir(), 'parley-coturn-'));
    const args = [
      ...(options.configFile ? ['-c', options.configFile] : ['-n']),
      `--listening-ip=${ip}`,
      `--relay-ip=${ip}`,
      `--listening-port=${port}`,
      `--min-port=${minPort}`,
      `--max-port=${maxPort}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      `--realm=${realm}`,
      '--fingerprint',
      '--no-cli',
      // No certificate here: browsers reach this instance over turn: (UDP and TCP).
      '--no-tls',
      '--no-dtls',
      `--pidfile=${join(dir, 'turnserver.pid')}`,
      `--userdb=${join(dir, 'turndb')}`,
      '--log-file=stdout',
      '--simple-log',
      ...(options.allowLoopbackPeers ? ['--allow-loopback-peers'] : []),
      ...(options.extraArgs ?? []),
    ];
    const binary = options.binary ?? 'turnserver';
    const [command, commandArgs] = options.netns
      ? ['ip', ['netns', 'exec', options.netns, binary, ...args]]
      : [binary, args];
    const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    const output = { text: '' };
    const collect = (chunk: Buffer) => {
      output.text = (output.text + chunk.toString()).slice(-64 * 1024);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const coturn = new Coturn(child, ip, port, secret, realm, dir, output);
    await coturn.#waitUntilListening();
    return coturn;
  }

  /** What coturn printed lately; for test failure messages. */
  get log(): string {
    return this.output.text;
  }

  get running(): boolean {
    return isRunning(this.child);
  }

  /** Stops coturn by its PID and removes its files. */
  async stop(): Promise<void> {
    await stopChild(this.child);
    await rm(this.dir, { recursive: true, force: true });
  }

  async #waitUntilListening(): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`coturn exited at start:\n${this.log}`);
      // coturn logs this once its listeners are bound.
      if (/IPv4. (UDP|TCP) listener opened on/.test(this.log) || /Total General servers: \d+/.test(this.log)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`coturn did not start listening within 10 s:\n${this.log}`);
  }
}

/** A TCP port free on `host` now (coturn takes UDP and TCP on the same number). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}
