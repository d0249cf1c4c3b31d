import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ParleyProcess, RedisProcess, isRunning, stopChild } from '@parley/testbed';
import { cpuMicros, memory, raiseFileLimit } from './procStats.js';
import type { SystemName } from './protocols.js';

const SERVE = fileURLToPath(new URL('./serve.js', import.meta.url));
const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;

/** Server processes of the multi-node system: one room spread over all of them. */
export const PARLEY_CLUSTER_NODES = 3;

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
 * `node packages/server/dist/main.js`. Nodes of one cluster share
 * `sessionSecret` (and the TURN secret), as a deployment's nodes do.
 */
async function parleyEnv(secrets: { session: string; turn: string }): Promise<Record<string, string>> {
  return {
    LOG_LEVEL: 'info',
    METRICS_PORT: String(await freePort()),
    TURN_URLS: 'turn:127.0.0.1:3478?transport=udp',
    TURN_SECRET: secrets.turn,
    SESSION_SECRET: secrets.session,
  };
}

function metricsUrl(env: Record<string, string>): string {
  return `http://127.0.0.1:${env['METRICS_PORT'] as string}/metrics`;
}

function freshSecrets(): { session: string; turn: string } {
  return { session: randomBytes(32).toString('hex'), turn: randomBytes(32).toString('hex') };
}

/**
 * Counters of Parley's /metrics that explain a slow or lossy connect phase:
 * flow control (read pauses), connections closed by the join timeout, and
 * messages from other nodes that found their member not held yet (or at all).
 */
const EXPLAINING_COUNTERS = /^(parley_read_pauses_total|parley_read_pause_seconds_total|parley_join_timeouts_total|parley_cluster_evictions_total|parley_cluster_nodes_reaped_total|parley_cluster_deliveries_missed_total(\{[^}]*\})?) (\S+)$/gm;

/** Processes still running: killed by PID if the benchmark itself exits early (an error, Ctrl-C). */
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

function track(child: ChildProcess): void {
  const pid = child.pid as number;
  running.add(pid);
  child.once('exit', () => running.delete(pid));
}

/** SIGTERM (so a profile gets written), SIGKILL if it is still there after a grace period. */
function stopServer(child: ChildProcess): Promise<void> {
  return stopChild(child, { killAfterMs: STOP_GRACE_MS });
}

/** Resident memory of a set of processes, each and summed. */
export interface ProcessesMemory {
  /** Sum over the server processes. */
  rss: number;
  /** Sum of each server process's high-water mark (an upper bound of their peak together). */
  peak: number;
  /** Each server process's RSS, in node order. */
  rssPerProcess: number[];
  /** redis-server's RSS, when the system has one. */
  redisRss?: number;
}

/**
 * One system's server: its own process on a free loopback port, or (parley-3)
 * a real redis-server and three Parley processes sharing it, each on its own
 * port. Everything is stopped by PID.
 */
export class SystemServer {
  private constructor(
    readonly system: SystemName,
    private readonly servers: ChildProcess[],
    /** The port of each server process, in node order: clients choose their node. */
    readonly ports: readonly number[],
    private readonly redis?: RedisProcess,
    /** Each Parley process's /metrics address (none for the other systems). */
    private readonly metricsUrls: readonly string[] = [],
  ) {
    for (const child of servers) track(child);
  }

  /** The port of the only (or first) server process. */
  get port(): number {
    return this.ports[0] as number;
  }

  /** The server processes' PIDs (not Redis's). */
  get pids(): number[] {
    return this.servers.map((child) => child.pid as number);
  }

  /** CPU time (user + system) the server processes have used, summed, in µs. */
  cpuMicros(): number {
    return this.servers.reduce((total, child) => total + cpuMicros(child.pid as number), 0);
  }

  /** CPU time redis-server has used, in µs; NaN when the system has no Redis. */
  redisCpuMicros(): number {
    return this.redis ? cpuMicros(this.redis.pid) : NaN;
  }

  memory(): ProcessesMemory {
    const each = this.servers.map((child) => memory(child.pid as number));
    return {
      rss: each.reduce((total, m) => total + m.rss, 0),
      peak: each.reduce((total, m) => total + m.peak, 0),
      rssPerProcess: each.map((m) => m.rss),
      ...(this.redis ? { redisRss: memory(this.redis.pid).rss } : {}),
    };
  }

  /**
   * `profileDir`: Parley writes a V8 CPU profile there when it stops (`node --cpu-prof`).
   * `nodeArgs`: more flags for Parley's node (V8 heap settings, heap snapshots on a signal).
   */
  static async start(system: SystemName, profileDir?: string, extraNodeArgs: readonly string[] = []): Promise<SystemServer> {
    const nodeArgs = [...extraNodeArgs, ...(profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`])];
    if (system === 'parley' || system === 'parley-semi2') {
      const flags = system === 'parley-semi2' ? ['--max-semi-space-size=2'] : [];
      const env = await parleyEnv(freshSecrets());
      const parley = await ParleyProcess.start(env, {}, [...flags, ...nodeArgs]);
      raiseFileLimit(parley.child.pid as number);
      return new SystemServer(system, [parley.child], [parley.port], undefined, [metricsUrl(env)]);
    }
    if (system === 'parley-3') return SystemServer.#startCluster(nodeArgs);
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
    return new SystemServer(system, [child], [port]);
  }

  /**
   * A real redis-server and PARLEY_CLUSTER_NODES Parley processes with
   * REDIS_URL, each configured as the single node is. No balancer: the load
   * generator picks each client's node, so the members of a room sit on
   * different nodes and their signals cross Redis.
   */
  static async #startCluster(nodeArgs: readonly string[]): Promise<SystemServer> {
    const redis = await RedisProcess.start();
    running.add(redis.pid);
    const secrets = freshSecrets();
    const nodes: ParleyProcess[] = [];
    const metricsUrls: string[] = [];
    try {
      for (let i = 0; i < PARLEY_CLUSTER_NODES; i++) {
        const env = await parleyEnv(secrets);
        metricsUrls.push(metricsUrl(env));
        const node = await ParleyProcess.start({ ...env, REDIS_URL: redis.url }, {}, nodeArgs);
        nodes.push(node);
        track(node.child);
        raiseFileLimit(node.child.pid as number);
      }
    } catch (error) {
      for (const node of nodes) await stopServer(node.child);
      await redis.stop();
      running.delete(redis.pid);
      throw error;
    }
    return new SystemServer(
      'parley-3',
      nodes.map((node) => node.child),
      nodes.map((node) => node.port),
      redis,
      metricsUrls,
    );
  }

  /**
   * The explaining counters (EXPLAINING_COUNTERS) summed over the Parley
   * processes; empty for the other systems or when a scrape fails (the
   * figures are for reading, not for the measurement).
   */
  async counters(): Promise<Record<string, number>> {
    const sums: Record<string, number> = {};
    for (const url of this.metricsUrls) {
      let text: string;
      try {
        text = await (await fetch(url, { signal: AbortSignal.timeout(5000) })).text();
      } catch {
        return {};
      }
      for (const [, name, , value] of text.matchAll(EXPLAINING_COUNTERS)) sums[name as string] = (sums[name as string] ?? 0) + Number(value);
    }
    return sums;
  }

  get running(): boolean {
    return this.servers.some(isRunning);
  }

  /** Stops every server process (see stopChild), then Redis. */
  async stop(): Promise<void> {
    await Promise.all(this.servers.map(stopServer));
    if (this.redis) {
      const pid = this.redis.pid;
      await this.redis.stop();
      running.delete(pid);
    }
  }
}
