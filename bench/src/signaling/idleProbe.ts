#!/usr/bin/env node
/**
 * What Parley keeps per idle connection: the real server (as the signaling
 * benchmark runs it) with C clients connected and joined in rooms of two,
 * silent. A V8 heap snapshot is taken (SIGUSR2, `--heapsnapshot-signal`)
 * before any client and again with all of them idle; the live heap is
 * compared by constructor and divided by C. Run it under the heavy lock:
 *
 *   node bench/dist/signaling/idleProbe.js --clients 2000 [--node-arg=--max-semi-space-size=2]
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { LoadWorkers } from './LoadWorkers.js';
import { memory } from './procStats.js';
import { SystemServer } from './SystemServer.js';
import type { ClientSpec } from './workerMessages.js';

const { values } = parseArgs({ options: { clients: { type: 'string', default: '2000' }, 'node-arg': { type: 'string', multiple: true, default: [] }, top: { type: 'string', default: '25' } } });
const clients = Number(values.clients);
if (!Number.isInteger(clients) || clients < 2 || clients > 19_000) throw new Error(`--clients must be a whole number from 2 to 19,000: "${values.clients}"`);
const CLIENTS_PER_ADDRESS = 40;
const SNAPSHOT_TIMEOUT_MS = 120_000;

/** Live heap by constructor (node name, for objects; type, otherwise): count and self size. */
type HeapSummary = Map<string, { count: number; size: number }>;

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

function summarize(snapshot: Snapshot): HeapSummary {
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const summary: HeapSummary = new Map();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt] as number] as string;
    const name = type === 'object' || type === 'closure' ? `${type} ${snapshot.strings[snapshot.nodes[i + nameAt] as number]}` : `(${type})`;
    const entry = summary.get(name) ?? { count: 0, size: 0 };
    entry.count++;
    entry.size += snapshot.nodes[i + sizeAt] as number;
    summary.set(name, entry);
  }
  return summary;
}

/** Asks the server for a heap snapshot and reads it once written. */
async function takeSnapshot(pid: number, dir: string): Promise<HeapSummary> {
  const before = new Set(await readdir(dir));
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + SNAPSHOT_TIMEOUT_MS;
  while (Date.now() < deadline) {
    await sleep(250);
    const file = (await readdir(dir)).find((name) => name.endsWith('.heapsnapshot') && !before.has(name));
    if (!file) continue;
    // Written while the server's main thread waits; read once it parses (the file ends when the writing does).
    const path = join(dir, file);
    let parsed: Snapshot | undefined;
    for (let n = 0; n < 120 && parsed === undefined; n++) {
      await sleep(500);
      if ((await stat(path)).size === 0) continue;
      try {
        parsed = JSON.parse(await readFile(path, 'utf8')) as Snapshot;
      } catch {
        // Not all written yet.
      }
    }
    if (!parsed) throw new Error(`the heap snapshot ${path} never became whole`);
    const summary = summarize(parsed);
    await rm(path);
    return summary;
  }
  throw new Error('no heap snapshot within 2 minutes');
}

const total = (s: HeapSummary) => [...s.values()].reduce((sum, e) => sum + e.size, 0);

const dir = await mkdtemp(join(tmpdir(), 'parley-idle-probe-'));
const server = await SystemServer.start('parley', undefined, ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`, ...values['node-arg']]);
const workers = LoadWorkers.start(2);
try {
  await sleep(500);
  const empty = await takeSnapshot((server.pids[0] as number), dir);
  const rssEmpty = memory((server.pids[0] as number)).rss;
  const perWorker: ClientSpec[][] = [[], []];
  for (let r = 0; r < clients / 2; r++) {
    const members = [`c${2 * r}`, `c${2 * r + 1}`];
    members.forEach((name, k) => {
      const group = Math.floor((2 * r + k) / CLIENTS_PER_ADDRESS);
      perWorker[(r + k) % 2]?.push({ name, room: `r${r}`, peers: members.filter((m) => m !== name), address: `127.1.${Math.floor(group / 250)}.${1 + (group % 250)}`, node: 0 });
    });
  }
  const connected = await workers.ask(
    perWorker.map((specs) => ({ type: 'connect', system: 'parley', ports: [server.port], clients: specs, ratePerSecond: 250, timeoutMs: 30_000 + clients * 4 })),
    'connected',
    60_000 + clients * 4,
  );
  const failed = connected.reduce((n, c) => n + c.failed, 0);
  await sleep(6000);
  const rssIdle = memory((server.pids[0] as number)).rss;
  const idle = await takeSnapshot((server.pids[0] as number), dir);
  const rssAfterSnapshot = memory((server.pids[0] as number)).rss;
  const kb = (bytes: number) => (bytes / 1024).toFixed(2);
  process.stdout.write(
    `C = ${clients} (${failed} failed), node args: ${values['node-arg'].join(' ') || '(none)'}\n` +
      `RSS empty ${(rssEmpty / 2 ** 20).toFixed(1)} MiB, idle ${(rssIdle / 2 ** 20).toFixed(1)} MiB: ${kb((rssIdle - rssEmpty) / clients)} KB per connection ` +
      `(after the snapshot's full GC: ${(rssAfterSnapshot / 2 ** 20).toFixed(1)} MiB)\n` +
      `live heap empty ${(total(empty) / 2 ** 20).toFixed(1)} MiB, idle ${(total(idle) / 2 ** 20).toFixed(1)} MiB: ${kb((total(idle) - total(empty)) / clients)} KB per connection\n\n` +
      `what grew, per connection (bytes; count per connection):\n`,
  );
  const growth = [...idle.entries()]
    .map(([name, e]) => ({ name, size: e.size - (empty.get(name)?.size ?? 0), count: e.count - (empty.get(name)?.count ?? 0) }))
    .sort((a, b) => b.size - a.size)
    .slice(0, Number(values.top));
  for (const g of growth) process.stdout.write(`${(g.size / clients).toFixed(0).padStart(7)}  ${(g.count / clients).toFixed(2).padStart(6)}  ${g.name}\n`);
} finally {
  await workers.stop();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
