import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { groupedBarPanel, machineLine, markdownTable, replaceSection, svgDocument, type BarGroup } from '../report.js';
import type { Measurement, RoundKind, RoundResult, SignalingResult } from './benchSignaling.js';
import { ALL_SYSTEMS, type SystemName } from './protocols.js';

/** The markers of this benchmark's part of docs/benchmarks.md. */
export const SIGNALING_SECTION = 'signaling';

const LABELS: Record<SystemName, string> = {
  parley: 'Parley',
  'parley-3': 'Parley, 3 nodes on Redis',
  'parley-semi2': 'Parley, node --max-semi-space-size=2',
  floor: 'bare ws relay (floor)',
  peerjs: 'PeerJS server',
  socketio: 'naive Socket.IO relay',
};
const REFERENCES: SystemName[] = ['floor', 'peerjs', 'socketio'];

/** A package's version, from the package.json above its entry point (some packages do not export their package.json). */
function version(name: string): string {
  try {
    let dir = dirname(createRequire(import.meta.url).resolve(name));
    for (let up = 0; up < 5; up++, dir = dirname(dir)) {
      if (!existsSync(join(dir, 'package.json'))) continue;
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === name && manifest.version) return manifest.version;
    }
  } catch {
    // Not installed or unreadable: say so in the table rather than fail the report.
  }
  return '?';
}

/** Rows by C, then systems in a fixed order, whatever order they ran in. */
function ordered(measurements: readonly Measurement[]): Measurement[] {
  return [...measurements].sort((a, b) => a.clients - b.clients || ALL_SYSTEMS.indexOf(a.system) - ALL_SYSTEMS.indexOf(b.system));
}

const ms = (v: number) => (!Number.isFinite(v) ? '—' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
const int = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '—');
const kb = (bytes: number) => (Number.isFinite(bytes) ? (bytes / 1024).toFixed(1) : '—');
const mib = (bytes: number) => (Number.isFinite(bytes) ? (bytes / 2 ** 20).toFixed(0) : '—');

function roundOf(m: Measurement, kind: RoundKind): RoundResult | undefined {
  return m.rounds.find((r) => r.kind === kind);
}

function faults(r: RoundResult): string {
  const wrong = r.wrongPeer + r.wrongSender;
  return `${r.lost} / ${r.duplicates} / ${r.outOfOrder} / ${wrong}`;
}

function roundTable(measurements: readonly Measurement[], roomSize: number, kind: RoundKind): string {
  const rows = ordered(measurements)
    .filter((m) => m.roomSize === roomSize)
    .flatMap((m) => {
      const r = roundOf(m, kind);
      if (!r) return [];
      return [[int(m.clients), LABELS[m.system], int(r.received), ms(r.latencyMs.p50), ms(r.latencyMs.p95), ms(r.latencyMs.p99), ms(r.latencyMs.max), int(r.messagesPerSecond), r.cpuMicrosPerMessage.toFixed(1), faults(r)]];
    });
  return markdownTable(['C', 'system', 'messages', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'messages/s', 'server CPU µs/message', 'lost / dup / misordered / wrong'], rows);
}

function resourceTable(measurements: readonly Measurement[]): string {
  const rows = ordered(measurements)
    .filter((m) => m.roomSize === 2)
    .map((m) => [
      int(m.clients),
      LABELS[m.system],
      `${m.connectSeconds.toFixed(1)}${m.connectFailed > 0 ? ` (${m.connectFailed} failed)` : ''}`,
      int(m.connectCpuMicrosPerClient),
      mib(m.rssBeforeBytes),
      mib(m.rssIdleBytes),
      kb(m.rssPerIdleConnectionBytes),
      m.idleCpuPercent.toFixed(1),
      mib(m.peakRssBytes),
    ]);
  return markdownTable(['C', 'system', 'connect s', 'connect CPU µs/client', 'RSS empty MiB', 'RSS idle MiB', 'KB per idle connection', 'idle CPU % of a core', 'peak RSS MiB'], rows);
}

/** The figures the targets are about; lower is better for each. */
const FIGURES: { label: string; value: (m: Measurement) => number }[] = [
  { label: 'server CPU per message, burst', value: (m) => roundOf(m, 'burst')?.cpuMicrosPerMessage ?? NaN },
  { label: 'server CPU per message, paced', value: (m) => roundOf(m, 'paced')?.cpuMicrosPerMessage ?? NaN },
  { label: 'burst p99', value: (m) => roundOf(m, 'burst')?.latencyMs.p99 ?? NaN },
  { label: 'paced p99', value: (m) => roundOf(m, 'paced')?.latencyMs.p99 ?? NaN },
  { label: 'RSS per idle connection', value: (m) => m.rssPerIdleConnectionBytes },
  { label: 'peak RSS', value: (m) => m.peakRssBytes },
  { label: 'connect CPU per client', value: (m) => m.connectCpuMicrosPerClient },
  // Idle CPU is mostly a few ticks; a floor of 0.1% keeps the ratio meaningful.
  { label: 'idle CPU', value: (m) => Math.max(0.1, m.idleCpuPercent) },
];

function ratioTable(measurements: readonly Measurement[]): string {
  const sizes = [...new Set(measurements.filter((m) => m.roomSize === 2).map((m) => m.clients))];
  const rows: string[][] = [];
  for (const clients of sizes) {
    const at = (system: SystemName) => measurements.find((m) => m.roomSize === 2 && m.clients === clients && m.system === system);
    const parley = at('parley');
    if (!parley || REFERENCES.every((ref) => !at(ref))) continue;
    for (const figure of FIGURES) {
      const ratios = REFERENCES.map((ref) => {
        const other = at(ref);
        return other ? `${(figure.value(parley) / figure.value(other)).toFixed(2)}×` : '—';
      });
      rows.push([int(clients), figure.label, ...ratios]);
    }
  }
  return markdownTable(['C', 'figure (lower is better)', ...REFERENCES.map((ref) => `Parley ÷ ${LABELS[ref]}`)], rows);
}

/** The figures of the 1-node vs 3-node comparison; `better` says which way is good. */
const SCALING: { label: string; value: (m: Measurement) => number; format: (v: number) => string; better: 'higher' | 'lower' }[] = [
  { label: 'messages/s, burst', value: (m) => roundOf(m, 'burst')?.messagesPerSecond ?? NaN, format: int, better: 'higher' },
  { label: 'server CPU µs/message, burst (all nodes)', value: (m) => roundOf(m, 'burst')?.cpuMicrosPerMessage ?? NaN, format: (v) => v.toFixed(1), better: 'lower' },
  {
    label: 'server + Redis CPU µs/message, burst',
    value: (m) => {
      const r = roundOf(m, 'burst');
      return r ? r.cpuMicrosPerMessage + (r.redisCpuMicrosPerMessage ?? 0) : NaN;
    },
    format: (v) => v.toFixed(1),
    better: 'lower',
  },
  { label: 'burst p99 ms', value: (m) => roundOf(m, 'burst')?.latencyMs.p99 ?? NaN, format: ms, better: 'lower' },
  { label: 'server CPU µs/message, paced (all nodes)', value: (m) => roundOf(m, 'paced')?.cpuMicrosPerMessage ?? NaN, format: (v) => v.toFixed(1), better: 'lower' },
  { label: 'paced p99 ms', value: (m) => roundOf(m, 'paced')?.latencyMs.p99 ?? NaN, format: ms, better: 'lower' },
];

/** Parley on one node against three nodes on Redis, at each size both ran. */
function scalingTable(measurements: readonly Measurement[]): string {
  const rows: string[][] = [];
  for (const one of ordered(measurements).filter((m) => m.system === 'parley')) {
    const three = measurements.find((m) => m.system === 'parley-3' && m.clients === one.clients && m.roomSize === one.roomSize);
    if (!three) continue;
    for (const figure of SCALING) {
      const a = figure.value(one);
      const b = figure.value(three);
      if (!Number.isFinite(a) && !Number.isFinite(b)) continue;
      rows.push([int(one.clients), String(one.roomSize), `${figure.label} (${figure.better} is better)`, figure.format(a), figure.format(b), Number.isFinite(a / b) ? `${(b / a).toFixed(2)}×` : '—']);
    }
  }
  return rows.length === 0 ? '' : markdownTable(['C', 'room size', 'figure', '1 node', '3 nodes', '3 nodes ÷ 1 node'], rows);
}

/** Where the three nodes' work and memory go: each node's RSS, and Redis's share. */
function clusterTable(measurements: readonly Measurement[]): string {
  const rows = ordered(measurements)
    .filter((m) => m.system === 'parley-3')
    .map((m) => {
      const redisCpu = (kind: RoundKind) => {
        const v = roundOf(m, kind)?.redisCpuMicrosPerMessage;
        return v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(1);
      };
      return [int(m.clients), String(m.roomSize), (m.rssIdlePerNodeBytes ?? []).map(mib).join(' / '), m.redisRssIdleBytes === undefined ? '—' : mib(m.redisRssIdleBytes), redisCpu('paced'), redisCpu('burst')];
    });
  return rows.length === 0 ? '' : markdownTable(['C', 'room size', 'idle RSS per node MiB', 'Redis idle RSS MiB', 'Redis CPU µs/message, paced', 'Redis CPU µs/message, burst'], rows);
}

/** Each target of issue 5 against the largest C measured. */
function targets(measurements: readonly Measurement[]): string {
  const pairs = measurements.filter((m) => m.roomSize === 2);
  const largest = Math.max(...pairs.map((m) => m.clients));
  const at = (system: SystemName) => pairs.find((m) => m.clients === largest && m.system === system);
  const parley = at('parley');
  const floor = at('floor');
  if (!parley || !floor) return '';
  const cpu = (m: Measurement) => roundOf(m, 'burst')?.cpuMicrosPerMessage ?? NaN;
  const p99 = (m: Measurement) => roundOf(m, 'burst')?.latencyMs.p99 ?? NaN;
  const faultsOf = (system: string) =>
    measurements.filter((m) => m.system === system).flatMap((m) => m.rounds).reduce((n, r) => n + r.lost + r.duplicates + r.outOfOrder + r.wrongPeer + r.wrongSender, 0);
  const allFaults = faultsOf('parley');
  const clustered = measurements.some((m) => m.system === 'parley-3');
  const behind = REFERENCES.filter((ref) => ref !== 'floor').flatMap((ref) => {
    const other = at(ref);
    return other ? FIGURES.filter((f) => f.value(parley) > f.value(other)).map((f) => `${f.label} vs ${LABELS[ref]}`) : [];
  });
  const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
  return markdownTable(
    ['target (C = ' + int(largest) + ')', 'measured', ''],
    [
      ['server CPU per message ≤ 1.3× the floor (burst)', `${(cpu(parley) / cpu(floor)).toFixed(2)}× (${cpu(parley).toFixed(1)} vs ${cpu(floor).toFixed(1)} µs)`, verdict(cpu(parley) <= 1.3 * cpu(floor))],
      ['under 10 KB RSS per idle connection', `${kb(parley.rssPerIdleConnectionBytes)} KB`, verdict(parley.rssPerIdleConnectionBytes < 10 * 1024)],
      ['burst p99 ≤ 1.3× the floor', `${(p99(parley) / p99(floor)).toFixed(2)}× (${ms(p99(parley))} vs ${ms(p99(floor))} ms)`, verdict(p99(parley) <= 1.3 * p99(floor))],
      ['ahead of PeerJS and Socket.IO on every figure', behind.length === 0 ? 'ahead on all' : `behind on: ${behind.join('; ')}`, verdict(behind.length === 0)],
      ['zero loss, duplicates, misordering, misdelivery (all rounds, all C)', `${allFaults}`, verdict(allFaults === 0)],
      ...(clustered ? [['the same on 3 nodes on Redis', `${faultsOf('parley-3')}`, verdict(faultsOf('parley-3') === 0)]] : []),
    ],
  );
}

/** "1 node vs 3 nodes", when both ran. */
function scalingSection(measurements: readonly Measurement[]): string {
  const scaling = scalingTable(measurements);
  if (scaling === '') return '';
  return `
### 1 node vs 3 nodes

The same clients and rounds against Parley on one node and on three nodes
sharing Redis (every room spread over two or more nodes).

${scaling}

${clusterTable(measurements)}
`;
}

/** The section of docs/benchmarks.md for this benchmark. */
export function signalingMarkdown(result: SignalingResult): string {
  const { options, measurements } = result;
  const problems = measurements.filter((m) => m.problems.length > 0);
  return `## 2. Signaling under load

Written by \`npm run bench:signaling\` (bench/src/signaling/). Each system runs
as its own process on loopback, fresh for every size; the load comes from
${options.workers} separate processes of plain \`ws\` clients (the same client
for all, so its cost is equal), each speaking that system's real protocol, the
two (or four) members of a room spread over different processes. Clients
connect at ${options.connectsPerSecond}/s and join rooms; each pair then does a
call setup: an offer of ~3 KB and ten ICE candidates one way, the answer of
~3 KB and ten candidates back, sent when the offer arrives (22 messages). The
paced round starts ${options.pacedSetupsPerSecond} setups a second; the burst
round starts them all at once; in rooms of four every pair of the room does a
setup, all at once.

- **Parley**: \`node packages/server/dist/main.js\` as deployed: schema
  validation of every message, rate limits (50/s, burst 200, per-type
  budgets), origin check (the generator sends \`Origin\`), at most 50
  connections per address (the clients come from 40 each of 127.1.x.y, for
  every system alike), TURN credentials and signed resume tokens in every
  \`joined\`, numbered pushes kept until a pong acknowledges them, Prometheus
  metrics on a private port, info-level JSON logs.
- **Parley, 3 nodes on Redis**: a real \`redis-server\` and three such
  processes with \`REDIS_URL\` (one \`SESSION_SECRET\`); no balancer: member
  k of room r connects to node (r + k) mod 3, so the members of a room sit on
  different nodes and every relayed signal crosses Redis (each node's inbox
  stream). Server CPU is summed over the three nodes; Redis's CPU is
  reported apart. On this 2-core machine the three nodes, Redis and the load
  generator share the same two cores, so this shows what spreading a room
  over nodes costs per message, not the throughput more machines would give.
- **bare ws relay (floor)**: bench/src/BareRelay.ts; reads the addressee from
  a \`@id\\n\` prefix and forwards the rest unparsed with the sender's id.
- **PeerJS server**: npm \`peer\` as its README starts it (\`PeerServer\`),
  connection cap raised from 5,000 to 20,000; the clients speak its protocol
  (\`/peerjs?key&id&token\`, OFFER/ANSWER/CANDIDATE with \`dst\`, HEARTBEAT every 5 s).
- **naive Socket.IO relay**: what the tutorials write: \`join\` a room, get the
  others' socket ids, \`socket.to(target).emit('signal', …)\`; the clients speak
  Engine.IO 4 / Socket.IO 4 packets over the same \`ws\` client.

Latency is from the sender's \`send()\` to the receiver's \`message\` event, on
one clock shared by the processes (\`performance.timeOrigin + performance.now()\`).
Server CPU is user + system time from /proc/<pid>/stat over the round, per
relayed message; per idle connection is (RSS with every client connected and
idle − RSS before any) ÷ C; idle CPU is over ${options.idleSeconds} s with every
client connected and otherwise silent: one period of the keepalives real
clients send, PeerJS's HEARTBEAT and the Parley SDK's \`ping\` request (answered
\`ok\`), both every 5 s (Socket.IO's server pings every 25 s, so its window
holds a ping one time in five). Every message carries its sender, addressee,
round and sequence number inside the SDP or candidate string: the receiver
counts what was lost, duplicated, out of order, or delivered to the wrong
peer or with the wrong sender stamped.

Machine: ${machineLine()}; ws ${version('ws')}, peer ${version('peer')}, socket.io ${version('socket.io')}.

### Targets

${targets(measurements)}

Why Parley stands where it does, what was fixed and what the rest would take:
[bench/signaling-findings.md](bench/signaling-findings.md).

### Rooms of two, paced (${options.pacedSetupsPerSecond} setups/s)

${roundTable(measurements, 2, 'paced')}

### Rooms of two, burst (every pair at once)

${roundTable(measurements, 2, 'burst')}

### Rooms of four, burst (every pair of every room at once)

${roundTable(measurements, 4, 'burst')}

### Connections and memory (rooms of two)

${resourceTable(measurements)}

### Parley's ratios (rooms of two; below 1 is better than the reference)

${ratioTable(measurements)}
${scalingSection(measurements)}${problems.length > 0 ? `\n### Problems seen\n\n${problems.map((m) => `- ${LABELS[m.system]}, C = ${m.clients}, rooms of ${m.roomSize}: ${m.problems.slice(0, 5).join('; ')}`).join('\n')}\n` : ''}
![signaling under load](bench/signaling.svg)
`;
}

/** Three panels: server CPU per message and burst p99 (rooms of two), and RSS per idle connection. */
export function signalingChart(result: SignalingResult): string {
  const pairs = result.measurements.filter((m) => m.roomSize === 2);
  const systems = result.options.systems;
  const sizes = [...new Set(pairs.map((m) => m.clients))];
  const groups = (value: (m: Measurement) => number): BarGroup[] =>
    sizes.map((clients) => ({
      label: `C = ${int(clients)}`,
      bars: systems.flatMap((system) => {
        const m = pairs.find((p) => p.clients === clients && p.system === system);
        return m ? [{ name: system, value: value(m) }] : [];
      }),
    }));
  const width = 760;
  const panel = 220;
  const panels = [
    groupedBarPanel('Server CPU per relayed message, burst (µs, lower is better)', groups((m) => roundOf(m, 'burst')?.cpuMicrosPerMessage ?? NaN), 'µs', { x: 20, y: 10, width: width - 40, height: panel }),
    groupedBarPanel('Burst relay latency p99 (ms, lower is better)', groups((m) => roundOf(m, 'burst')?.latencyMs.p99 ?? NaN), 'ms', { x: 20, y: 10 + panel, width: width - 40, height: panel }),
    groupedBarPanel('RSS per idle connection (KB, lower is better)', groups((m) => m.rssPerIdleConnectionBytes / 1024), 'KB', { x: 20, y: 10 + 2 * panel, width: width - 40, height: panel }),
  ];
  return svgDocument(width, 3 * panel + 50, panels, systems.map((name) => ({ name, label: LABELS[name] })));
}

/**
 * Writes this benchmark's section of `${docs}benchmarks.md` (the rest of the
 * file is kept), its chart, and the figures as JSON (without the raw latencies).
 */
export async function writeSignalingReport(result: SignalingResult, docs: string): Promise<void> {
  await mkdir(`${docs}bench`, { recursive: true });
  await writeFile(`${docs}bench/signaling.svg`, signalingChart(result));
  await writeFile(`${docs}bench/signaling.json`, `${JSON.stringify(result, null, 1)}\n`);
  const current = await readFile(`${docs}benchmarks.md`, 'utf8').catch(() => '# Benchmarks\n');
  await writeFile(`${docs}benchmarks.md`, replaceSection(current, SIGNALING_SECTION, signalingMarkdown(result)));
}
