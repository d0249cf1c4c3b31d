import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRunning, stopChild } from './stopChild.js';
import { freePort } from './Coturn.js';

export interface RedisProcessOptions {
  /** 0 picks a free loopback port. */
  port?: number;
  binary?: string;
  extraArgs?: string[];
}

/**
 * A real redis-server on loopback for the tests: no persistence (`--save ''
 * --appendonly no`), its own working directory, stopped by its PID. It can be
 * frozen (SIGSTOP: connections stay open, nothing answers, as in a stalled
 * host) or killed and started again on the same port (as in a crash: every
 * connection drops and the data is gone).
 */
export class RedisProcess {
  #child: ChildProcess;
  #output = { text: '' };

  private constructor(
    child: ChildProcess,
    output: { text: string },
    readonly port: number,
    private readonly dir: string,
    private readonly options: RedisProcessOptions,
  ) {
    this.#child = child;
    this.#output = output;
  }

  static async start(options: RedisProcessOptions = {}): Promise<RedisProcess> {
    const port = options.port || (await freePort('127.0.0.1'));
    const dir = await mkdtemp(join(tmpdir(), 'parley-redis-'));
    const { child, output } = spawnRedis(port, dir, options);
    const redis = new RedisProcess(child, output, port, dir, options);
    await redis.#waitUntilListening();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.#child.pid as number;
  }

  /** What redis-server printed lately; for test failure messages. */
  get log(): string {
    return this.#output.text;
  }

  get running(): boolean {
    return isRunning(this.#child);
  }

  /** Stops answering without closing anything (SIGSTOP). */
  freeze(): void {
    process.kill(this.pid, 'SIGSTOP');
  }

  /** Carries on from where `freeze()` stopped it (SIGCONT). Safe when it is not frozen, or not running. */
  thaw(): void {
    if (this.running) process.kill(this.pid, 'SIGCONT');
  }

  /** Kills it outright (SIGKILL): connections reset, data lost. */
  async crash(): Promise<void> {
    await stopChild(this.#child, { signal: 'SIGKILL' });
  }

  /** Starts a fresh, empty redis-server on the same port after `crash()`. */
  async restart(): Promise<void> {
    if (this.running) throw new Error('redis-server is still running; crash() or stop() it first');
    const { child, output } = spawnRedis(this.port, this.dir, this.options);
    this.#child = child;
    this.#output = output;
    await this.#waitUntilListening();
  }

  /** Stops it by its PID (thawing it first if frozen) and removes its directory. Safe to call twice. */
  async stop(): Promise<void> {
    await stopChild(this.#child, { thawFirst: true });
    await rm(this.dir, { recursive: true, force: true });
  }

  async #waitUntilListening(): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`redis-server exited at start:\n${this.log}`);
      if (await answersPing(this.port)) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`redis-server did not answer PING within 10 s:\n${this.log}`);
  }
}

function spawnRedis(port: number, dir: string, options: RedisProcessOptions) {
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--save', '',
    '--appendonly', 'no',
    '--dir', dir,
    '--daemonize', 'no',
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(options.binary ?? 'redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { text: '' };
  const collect = (chunk: Buffer) => {
    output.text = (output.text + chunk.toString()).slice(-64 * 1024);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return { child, output };
}

/** One inline PING over a raw socket: no client library needed to know it is up. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
