import { setTimeout as sleep } from 'node:timers/promises';
import { percentiles, type Percentiles } from '../stats.js';
import { LoadWorkers } from './LoadWorkers.js';
import { MESSAGES_PER_DIRECTION, now } from './payloads.js';
import { SYSTEMS, type SystemName } from './protocols.js';
import { SystemServer } from './SystemServer.js';
import type { ClientSpec, RoundTally, Setup, WorkerCommand } from './workerMessages.js';

export interface SignalingOptions {
  /** Client counts measured in rooms of two. */
  clients: number[];
  /** Client counts measured again in rooms of four. */
  clientsInFours: number[];
  /** Setups started per second in the paced round. */
  pacedSetupsPerSecond: number;
  /** New connections per second, all workers together. */
  connectsPerSecond: number;
  workers: number;
  idleSeconds: number;
  systems: readonly SystemName[];
  /** Where Parley's server writes a V8 CPU profile of each measurement, if anywhere. */
  profileDir?: string;
}

export const FULL_OPTIONS: SignalingOptions = {
  clients: [1000, 2000, 5000, 10_000],
  clientsInFours: [2000, 5000],
  pacedSetupsPerSecond: 200,
  connectsPerSecond: 500,
  workers: 2,
  // One heartbeat period of Parley and of PeerJS's clients: the window always holds exactly one.
  idleSeconds: 5,
  systems: SYSTEMS,
};

export const QUICK_OPTIONS: SignalingOptions = { ...FULL_OPTIONS, clients: [1000], clientsInFours: [1000] };

export type RoundKind = 'paced' | 'burst';

export interface RoundResult {
  kind: RoundKind;
  setups: number;
  expected: number;
  received: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
  wrongPeer: number;
  wrongSender: number;
  latencyMs: Percentiles;
  messagesPerSecond: number;
  /** Server CPU (user + system, summed over the server processes) over the round, per relayed message. */
  cpuMicrosPerMessage: number;
  /** redis-server's CPU over the round per relayed message (multi-node systems only; not in cpuMicrosPerMessage). */
  redisCpuMicrosPerMessage?: number;
}

export interface Measurement {
  system: SystemName;
  clients: number;
  roomSize: number;
  connectSeconds: number;
  connectFailed: number;
  /** Server CPU to accept, handshake and seat one client. */
  connectCpuMicrosPerClient: number;
  rssBeforeBytes: number;
  rssIdleBytes: number;
  rssPerIdleConnectionBytes: number;
  /** Share of one core the server uses with every client connected and silent. */
  idleCpuPercent: number;
  peakRssBytes: number;
  /** Server processes measured together (1 unless the system is several nodes). */
  nodes?: number;
  /** Each server process's RSS with every client connected and idle. */
  rssIdlePerNodeBytes?: number[];
  /** redis-server's RSS with every client connected and idle (multi-node systems only). */
  redisRssIdleBytes?: number;
  rounds: RoundResult[];
  problems: string[];
  /** Parley's explaining counters (read pauses, join timeouts, cross-node deliveries that missed their member) after the rounds, summed over nodes. */
  counters?: Record<string, number>;
}

export interface SignalingResult {
  options: SignalingOptions;
  measurements: Measurement[];
}

/**
 * Clients per source address. Parley refuses more than MAX_CONNECTIONS_PER_IP
 * (50) from one address, as deployed; real users come from many addresses, so
 * the clients are spread over 127.1.0.0/16 (all of 127/8 is this machine's
 * loopback) rather than the limit lifted. The other servers see the same.
 */
const CLIENTS_PER_ADDRESS = 40;

function sourceAddress(client: number): string {
  const group = Math.floor(client / CLIENTS_PER_ADDRESS);
  return `127.1.${Math.floor(group / 250)}.${1 + (group % 250)}`;
}

/**
 * Client names, rooms and room mates; room member k goes to worker (room + k)
 * mod W and to server node (room + k) mod N, so pairs span load processes and,
 * with several nodes, the members of a room sit on different nodes.
 */
function plan(clients: number, roomSize: number, workers: number, nodes: number): { perWorker: ClientSpec[][]; setups: Setup[] } {
  const perWorker: ClientSpec[][] = Array.from({ length: workers }, () => []);
  const setups: Setup[] = [];
  const rooms = Math.floor(clients / roomSize);
  for (let r = 0; r < rooms; r++) {
    const members = Array.from({ length: roomSize }, (_, k) => `c${r * roomSize + k}`);
    members.forEach((name, k) =>
      perWorker[(r + k) % workers]?.push({ name, room: `r${r}`, peers: members.filter((other) => other !== name), address: sourceAddress(r * roomSize + k), node: (r + k) % nodes }),
    );
    for (let i = 0; i < roomSize; i++) for (let j = i + 1; j < roomSize; j++) setups.push([members[i] as string, members[j] as string]);
  }
  return { perWorker, setups };
}

async function round(kind: RoundKind, number: number, setups: Setup[], options: SignalingOptions, workers: LoadWorkers, server: SystemServer, problems: string[]): Promise<RoundResult> {
  const rate = kind === 'paced' ? options.pacedSetupsPerSecond : 0;
  // Bounded, with room for the slowest system measured (three nodes through Redis on two cores): 1,000 messages/s.
  const messages = setups.length * 2 * MESSAGES_PER_DIRECTION;
  const timeoutMs = 30_000 + (rate > 0 ? (setups.length * 1000) / rate : 0) + messages;
  const command: WorkerCommand = { type: 'round', round: number, startAt: now() + 200, ratePerSecond: rate, setups, timeoutMs };
  const cpuBefore = server.cpuMicros();
  const redisCpuBefore = server.redisCpuMicros();
  const reports = await workers.ask(Array(workers.count).fill(command), 'round-done', timeoutMs + 10_000);
  const cpu = server.cpuMicros() - cpuBefore;
  const redisCpu = server.redisCpuMicros() - redisCpuBefore;
  const tallies: RoundTally[] = reports.map((r) => r.tally);
  for (const tally of tallies) problems.push(...tally.problems);
  const sum = (pick: (t: RoundTally) => number) => tallies.reduce((total, t) => total + pick(t), 0);
  const received = sum((t) => t.received);
  const firstSent = Math.min(...tallies.map((t) => t.firstSentAt).filter((t) => t > 0));
  const lastReceived = Math.max(...tallies.map((t) => t.lastReceivedAt));
  return {
    kind,
    setups: setups.length,
    expected: sum((t) => t.expected),
    received,
    lost: sum((t) => t.expected) - received,
    duplicates: sum((t) => t.duplicates),
    outOfOrder: sum((t) => t.outOfOrder),
    wrongPeer: sum((t) => t.wrongPeer),
    wrongSender: sum((t) => t.wrongSender),
    latencyMs: percentiles(tallies.flatMap((t) => t.latencies)),
    messagesPerSecond: received > 0 ? (received * 1000) / (lastReceived - firstSent) : 0,
    cpuMicrosPerMessage: received > 0 ? cpu / received : NaN,
    ...(Number.isFinite(redisCpu) ? { redisCpuMicrosPerMessage: received > 0 ? redisCpu / received : NaN } : {}),
  };
}

/** One system at one size: a fresh server, fresh load workers, connect, idle, then the rounds. */
async function measure(system: SystemName, clients: number, roomSize: number, options: SignalingOptions, log: (line: string) => void): Promise<Measurement> {
  const started = now();
  const server = await SystemServer.start(system, options.profileDir);
  const workers = LoadWorkers.start(options.workers);
  const problems: string[] = [];
  try {
    await sleep(500);
    const rssBefore = server.memory().rss;
    const { perWorker, setups } = plan(clients, roomSize, workers.count, server.ports.length);
    const connectTimeoutMs = 30_000 + (clients * 1000) / options.connectsPerSecond;
    const cpuBeforeConnect = server.cpuMicros();
    const connectStarted = now();
    const connected = await workers.ask(
      perWorker.map((specs) => ({ type: 'connect', system, ports: [...server.ports], clients: specs, ratePerSecond: options.connectsPerSecond / workers.count, timeoutMs: connectTimeoutMs })),
      'connected',
      connectTimeoutMs + 10_000,
    );
    const connectSeconds = (now() - connectStarted) / 1000;
    const connectCpu = server.cpuMicros() - cpuBeforeConnect;
    for (const c of connected) problems.push(...c.problems);
    const connectFailed = connected.reduce((total, c) => total + c.failed, 0);

    await sleep(1000);
    const idle = server.memory();
    const rssIdle = idle.rss;
    const cpuIdleStart = server.cpuMicros();
    await sleep(options.idleSeconds * 1000);
    const idleCpuPercent = ((server.cpuMicros() - cpuIdleStart) / (options.idleSeconds * 1e6)) * 100;

    const rounds: RoundResult[] = [];
    const kinds: RoundKind[] = roomSize === 2 ? ['paced', 'burst'] : ['burst'];
    for (const [i, kind] of kinds.entries()) {
      const result = await round(kind, i + 1, setups, options, workers, server, problems);
      rounds.push(result);
      log(
        `  ${system.padEnd(9)} C=${clients} rooms of ${roomSize} ${kind.padEnd(5)}: p50 ${result.latencyMs.p50.toFixed(1)} p99 ${result.latencyMs.p99.toFixed(1)} max ${result.latencyMs.max.toFixed(0)} ms, ` +
          `${Math.round(result.messagesPerSecond)} msg/s, ${result.cpuMicrosPerMessage.toFixed(1)} µs/msg${result.redisCpuMicrosPerMessage !== undefined ? ` (+ Redis ${result.redisCpuMicrosPerMessage.toFixed(1)})` : ''}, lost ${result.lost} dup ${result.duplicates} misordered ${result.outOfOrder} wrong ${result.wrongPeer + result.wrongSender}`,
      );
      await sleep(300);
    }
    const counters = await server.counters();
    const measurement: Measurement = {
      system,
      clients,
      roomSize,
      connectSeconds,
      connectFailed,
      connectCpuMicrosPerClient: connectCpu / clients,
      rssBeforeBytes: rssBefore,
      rssIdleBytes: rssIdle,
      rssPerIdleConnectionBytes: (rssIdle - rssBefore) / clients,
      idleCpuPercent,
      peakRssBytes: server.memory().peak,
      ...(server.ports.length > 1 ? { nodes: server.ports.length, rssIdlePerNodeBytes: idle.rssPerProcess } : {}),
      ...(idle.redisRss !== undefined ? { redisRssIdleBytes: idle.redisRss } : {}),
      rounds,
      problems,
      ...(Object.keys(counters).length > 0 ? { counters } : {}),
    };
    log(
      `  ${system.padEnd(9)} C=${clients} rooms of ${roomSize}: connect ${connectSeconds.toFixed(1)} s (${connectFailed} failed, ${measurement.connectCpuMicrosPerClient.toFixed(0)} µs CPU each), ` +
        `idle ${(measurement.rssPerIdleConnectionBytes / 1024).toFixed(1)} KB/conn ${idleCpuPercent.toFixed(1)}% CPU, peak RSS ${(measurement.peakRssBytes / 2 ** 20).toFixed(0)} MiB` +
        (measurement.rssIdlePerNodeBytes ? `, idle RSS per node ${measurement.rssIdlePerNodeBytes.map((b) => (b / 2 ** 20).toFixed(0)).join(' / ')} MiB` : '') +
        (measurement.redisRssIdleBytes !== undefined ? `, Redis ${(measurement.redisRssIdleBytes / 2 ** 20).toFixed(0)} MiB` : '') +
        `; ${((now() - started) / 1000).toFixed(0)} s in all` +
        (problems.length > 0 ? `; problems: ${problems.slice(0, 3).join(' | ')}` : '') +
        (Object.keys(counters).length > 0 ? `\n    counters: ${Object.entries(counters).map(([name, value]) => `${name} ${Number(value.toFixed(3))}`).join(', ')}` : ''),
    );
    return measurement;
  } finally {
    await workers.stop();
    await server.stop();
  }
}

/**
 * Signaling under load: each system in turn at each size, on a fresh server,
 * with the same load generator. The starting system rotates from size to size
 * so that none always runs first.
 */
export async function benchSignaling(options: SignalingOptions, log: (line: string) => void): Promise<SignalingResult> {
  const measurements: Measurement[] = [];
  const sizes = [...options.clients.map((c) => [c, 2] as const), ...options.clientsInFours.map((c) => [c, 4] as const)];
  for (const [index, [clients, roomSize]] of sizes.entries()) {
    log(`C = ${clients}, rooms of ${roomSize}`);
    const order = options.systems.map((_, i) => options.systems[(i + index) % options.systems.length] as SystemName);
    for (const system of order) measurements.push(await measure(system, clients, roomSize, options, log));
  }
  return { options, measurements };
}
