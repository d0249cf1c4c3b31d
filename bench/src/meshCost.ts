import { chromium, type Browser, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ParleyProcess } from '@parley/testbed';
import type { Benchmark, BenchContext, BenchSection } from './Benchmark.js';
import { BenchPages } from './BenchPages.js';
import { bounded } from './bounded.js';
import { everyPairShowsVideo, ParleyPerson } from './ParleyWebApp.js';
import { childrenOf, TreeCpu } from './ProcessCpu.js';
import { barChart, machineLine, type Series } from './report.js';
import { summarize } from './stats.js';

const NAMES = ['Ada', 'Bob', 'Cyd', 'Dee'];
const SIZES = [2, 3, 4] as const;
/** After every pair shows video: let the encoders ramp up before measuring. */
const SETTLE_MS = 4_000;
/** The measured window. */
const WINDOW_MS = 10_000;
const CORES = 2;

/** One participant: its own Chromium (so its CPU is its process tree's), and how to read its bytes sent. */
interface Participant {
  browser: Browser;
  cpu: TreeCpu;
  bytesSent(): Promise<number>;
  /** Parley only: peer connections made and closed so far (a mesh of N makes N − 1 and closes none). */
  peerConnections?(): Promise<{ made: number; closed: number }>;
}

/** Launches a Chromium and finds its root process: the child of ours that was not there before. */
async function launchTracked(): Promise<{ browser: Browser; root: number }> {
  const before = new Set(childrenOf(process.pid));
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const root = childrenOf(process.pid).find((pid) => !before.has(pid));
  if (root === undefined) {
    await browser.close();
    throw new Error('could not find the Chromium process just launched');
  }
  return { browser, root };
}

async function parleyMesh(server: ParleyProcess, size: number): Promise<Participant[]> {
  const room = `bench-mesh-${process.pid}-${size}`;
  const participants: Participant[] = [];
  const persons: ParleyPerson[] = [];
  for (const name of NAMES.slice(0, size)) {
    const { browser, root } = await launchTracked();
    const person = await ParleyPerson.open(browser, server, room, name);
    persons.push(person);
    participants.push({ browser, cpu: new TreeCpu(root), bytesSent: () => person.bytesSent(), peerConnections: () => person.peerConnections() });
    await person.clickJoin();
    await person.waitInCall();
  }
  await everyPairShowsVideo(persons);
  return participants;
}

type RelayWindow = {
  runRelayPeer: (url: string, id: string) => Promise<void>;
  relayStart: () => number;
  relayFrames: (count: number) => Promise<number>;
  relayBytesSent: () => Promise<number>;
};

async function relayMesh(pages: BenchPages, size: number): Promise<Participant[]> {
  const participants: Participant[] = [];
  const opened: Page[] = [];
  for (let i = 0; i < size; i++) {
    const { browser, root } = await launchTracked();
    const page = await (await browser.newContext()).newPage();
    opened.push(page);
    await page.goto(`${pages.url}/relay.html`);
    await page.waitForFunction(() => 'runRelayPeer' in window);
    await bounded(page.evaluate(([url, id]) => (window as unknown as RelayWindow).runRelayPeer(url, id), [pages.relayUrl, `m${i}`] as const), 20_000, 'relay page');
    await page.evaluate(() => (window as unknown as RelayWindow).relayStart());
    participants.push({ browser, cpu: new TreeCpu(root), bytesSent: () => page.evaluate(() => (window as unknown as RelayWindow).relayBytesSent()) });
  }
  await bounded(Promise.all(opened.map((page) => page.evaluate((n) => (window as unknown as RelayWindow).relayFrames(n), size - 1))), 30_000, 'relay mesh: video on every pair');
  return participants;
}

interface Measured {
  /** Cores used by each participant's browser. */
  cores: number[];
  /** kB/s sent by each participant (all its links, audio and video). */
  sentKBps: number[];
}

async function measure(participants: readonly Participant[]): Promise<Measured> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const before = await Promise.all(participants.map((p) => p.bytesSent()));
  for (const p of participants) p.cpu.start();
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
  const cores = participants.map((p) => p.cpu.cores());
  const after = await Promise.all(participants.map((p) => p.bytesSent()));
  return { cores, sentKBps: after.map((bytes, i) => (bytes - (before[i] as number)) / 1000 / (WINDOW_MS / 1000)) };
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

async function run(context: BenchContext): Promise<BenchSection> {
  const server = await ParleyProcess.start({ LOG_LEVEL: 'warn' });
  const pages = await BenchPages.start();
  const results: { size: number; parley: Measured; relay: Measured }[] = [];
  try {
    for (const size of SIZES) {
      const measured: Partial<Record<'parley' | 'relay', Measured>> = {};
      for (const system of ['parley', 'relay'] as const) {
        const participants: Participant[] = [];
        try {
          participants.push(...(system === 'parley' ? await parleyMesh(server, size) : await relayMesh(pages, size)));
          measured[system] = await measure(participants);
          const links = await Promise.all(participants.flatMap((p) => (p.peerConnections ? [p.peerConnections()] : [])));
          if (links.some(({ made, closed }) => made !== size - 1 || closed > 0)) {
            context.log(`N=${size} ${system}: peer connections made / closed per page: ${links.map(({ made, closed }) => `${made}/${closed}`).join(', ')} (expected ${size - 1}/0)`);
          }
        } finally {
          await Promise.all(participants.map((p) => p.browser.close()));
        }
        const m = measured[system] as Measured;
        context.log(
          `N=${size} ${system}: ${m.cores.map((c) => c.toFixed(2)).join(' / ')} cores, ${m.sentKBps.map((k) => Math.round(k)).join(' / ')} kB/s sent`,
        );
      }
      results.push({ size, parley: measured.parley as Measured, relay: measured.relay as Measured });
    }
  } finally {
    await pages.stop();
    await server.kill('SIGTERM');
  }

  const rows = results.map(({ size, parley, relay }) => {
    const total = parley.cores.reduce((a, b) => a + b, 0);
    return `| ${size} | ${mean(parley.cores).toFixed(2)} | ${total.toFixed(2)} of ${CORES} | ${Math.round(mean(parley.sentKBps))} | ${Math.round(mean(parley.sentKBps) / (size - 1))} | ${mean(relay.cores).toFixed(2)} | ${Math.round(mean(relay.sentKBps))} | ${(mean(parley.cores) / mean(relay.cores)).toFixed(2)}× | ${(mean(parley.sentKBps) / mean(relay.sentKBps)).toFixed(2)}× |`;
  });
  const cpuSeries: Series[] = results.flatMap(({ size, parley, relay }) => [
    { name: 'parley', label: `Parley, N=${size}`, summary: summarize(parley.cores) },
    { name: 'relay', label: `Bare relay page, N=${size}`, summary: summarize(relay.cores) },
  ]);
  const sentSeries: Series[] = results.flatMap(({ size, parley, relay }) => [
    { name: 'parley', label: `Parley, N=${size}`, summary: summarize(parley.sentKBps) },
    { name: 'relay', label: `Bare relay page, N=${size}`, summary: summarize(relay.sentKBps) },
  ]);
  const largest = results.at(-1);
  const totalAtLargest = largest ? largest.parley.cores.reduce((a, b) => a + b, 0) : NaN;
  const markdown = `## Mesh cost

Machine: ${machineLine()}

A full mesh of N people on fake video, each in their own Chromium, so each
one's CPU is its browser's process tree (utime + stime from /proc, all
processes of the tree, over a ${WINDOW_MS / 1000} s window that starts ${SETTLE_MS / 1000} s after every pair
shows video). Bytes sent: the sum of \`bytesSent\` of every outbound RTP
stream (audio and video, all links) from getStats over the same window.
Parley runs its web app; the reference is the bare relay page, the
cheapest mesh a page can make. Both capture 960x540 at up to 24 fps
(bench/pages/camera.js); the relay page sends it to everyone as captured,
Parley with its camera budget (smaller and slower per link as N grows). One run per
N and system; CPU and kB/s are means over the participants.

| N | Parley CPU per participant (cores) | Parley, all participants | Parley sent per participant (kB/s) | per link (kB/s) | relay page CPU (cores) | relay page sent (kB/s) | Parley ÷ relay, CPU | Parley ÷ relay, sent |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

![CPU per participant](bench/mesh-cost-cpu.svg)

![bytes sent per participant](bench/mesh-cost-sent.svg)

Each participant encodes its camera once per link (N − 1 encoders) and
decodes N − 1 streams, so CPU and upload per participant grow with N − 1 and
the machine's total with N × (N − 1). At N = ${largest?.size ?? '?'} the ${largest?.size ?? '?'} browsers used
${totalAtLargest.toFixed(2)} of this machine's ${CORES} cores: on a machine like this one a mesh
stops making sense beyond 4 (the lab notes: at N = 6 the 2 cores saturate and
the frame rate halves). On one real laptop per person the CPU limit is per
participant, and the upload of N − 1 copies is the one that bites first.

**The camera budget** (packages/client/src/VideoBudget.ts) is Parley's
bandwidth governor: each link's camera stream gets a share that shrinks as
the mesh grows (one receiver: full size at up to 1.2 Mbit/s; two: ÷1.5, 600
kbit/s; three: ÷2, 350 kbit/s; four or more: ÷3, 200 kbit/s), applied with
\`setParameters\`, no renegotiation. The relay page has none: each of its
links sends the full capture at whatever congestion control allows. The
"Parley ÷ relay, sent" column is what the budget saves in upload (the relay
page's links are also still ramping up during a ${WINDOW_MS / 1000} s window, so at N = 2 it
can send less than Parley); on these 2 cores the CPU columns are bounded by
the machine as much as by the pages.
`;
  return {
    markdown,
    charts: [
      { file: 'mesh-cost-cpu.svg', svg: barChart('Browser CPU per participant in a mesh (cores, lower is better)', cpuSeries, 'cores', 2) },
      { file: 'mesh-cost-sent.svg', svg: barChart('Bytes sent per participant in a mesh (kB/s)', sentSeries, 'kB/s') },
    ],
  };
}

export const meshCost: Benchmark = {
  id: 'mesh-cost',
  summary: 'mesh cost: browser CPU and bytes sent per participant at N = 2, 3, 4, each in its own Chromium',
  run,
};
