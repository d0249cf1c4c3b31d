import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ParleyProcess } from '@parley/testbed';
import { raiseFileLimit } from './procStats.js';
import type { SystemName } from './protocols.js';

const SERVE = fileURLToPath(new URL('./serve.js', import.meta.url));
const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;

/** A loopback port nobody listens on right now. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * Parley "as deployed" (deploy/compose): TURN credentials and signed resume
 * tokens on, Prometheus metrics on a private port, the default rate limits,
 * origin check, per-address connection limit and info-level logs, started as
 * `node packages/server/dist/main.js`.
 */
async function parleyEnv(): Promise<Record<string, string>> {
  return {
    LOG_LEVEL: 'info',
    METRICS_PORT: String(await freePort()),
    TURN_URLS: 'turn:127.0.0.1:3478?transport=udp',
    TURN_SECRET: randomBytes(32).toString('hex'),
    SESSION_SECRET: randomBytes(32).toString('hex'),
  };
}

/** Servers still running: killed by PID if the benchmark itself exits early (an error, Ctrl-C). */
const running = new Set<number>();
process.once('exit', () => {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

/** One system's server as its own process on a free loopback port, stopped by its PID. */
export class SystemServer {
  private constructor(
    readonly system: SystemName,
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    running.add(child.pid as number);
    child.once('exit', () => running.delete(child.pid as number));
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** `profileDir`: Parley writes a V8 CPU profile there when it stops (`node --cpu-prof`). */
  static async start(system: SystemName, profileDir?: string): Promise<SystemServer> {
    if (system === 'parley') {
      const nodeArgs = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
      const parley = await ParleyProcess.start(await parleyEnv(), {}, nodeArgs);
      raiseFileLimit(parley.child.pid as number);
      return new SystemServer(system, parley.child, parley.port);
    }
    const child = spawn(process.execPath, [SERVE, system, '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${system} server did not start:\n${output}`));
      }, START_TIMEOUT_MS);
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening (\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${system} server exited with ${code}:\n${output}`));
      });
    });
    child.stdout?.resume();
    child.stderr?.resume();
    raiseFileLimit(child.pid as number);
    return new SystemServer(system, child, port);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM (so a profile gets written), SIGKILL if it is still there after a grace period. */
  async stop(): Promise<void> {
    if (!this.running) return;
    const exited = once(this.child, 'exit');
    process.kill(this.pid, 'SIGTERM');
    const timer = setTimeout(() => process.kill(this.pid, 'SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
}
