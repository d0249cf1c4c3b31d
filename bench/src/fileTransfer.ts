import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { ParleyProcess } from '@parley/testbed';
import type { Benchmark, BenchContext, BenchSection } from './Benchmark.js';
import { BenchPages } from './BenchPages.js';
import { bounded } from './bounded.js';
import { everyPairShowsVideo, ParleyPerson } from './ParleyWebApp.js';
import { barChart, machineLine, table, type Series } from './report.js';
import { summarize } from './stats.js';

const MiB = 1024 * 1024;
const FILE_BYTES = 256 * MiB;
const FILE_NAME = 'bench.bin';
/** At most this many runs each: one Parley run is about half a minute here. */
const MAX_RUNS = 5;
/** Slower than 1 MiB/s counts as stuck. */
const TRANSFER_WAIT_MS = (FILE_BYTES / MiB) * 1000;
/** The reference's message size: 64 KiB, what Parley sends (both under Chromium's 256 KiB limit). */
const REFERENCE_CHUNK = 64 * 1024;

/** A file of random bytes in a temp directory (nothing of this size goes into git). */
async function makeFile(dir: string): Promise<string> {
  const path = join(dir, FILE_NAME);
  const handle = await open(path, 'w');
  try {
    for (let written = 0; written < FILE_BYTES; written += 16 * MiB) await handle.write(randomBytes(16 * MiB));
  } finally {
    await handle.close();
  }
  return path;
}

/**
 * Parley through its web app: Ada offers the file from disk, Bob accepts;
 * from the click on "Accept" until Bob's transfer is complete (every byte
 * stored and the SHA-256 verified).
 */
async function parleyRun(browser: Browser, server: ParleyProcess, path: string, run: number): Promise<number> {
  const room = `bench-files-${process.pid}-${run}`;
  const [ada, bob] = (await Promise.all(['Ada', 'Bob'].map((name) => ParleyPerson.open(browser, server, room, name)))) as [ParleyPerson, ParleyPerson];
  try {
    for (const person of [ada, bob]) {
      await person.clickJoin();
      await person.waitInCall();
    }
    await everyPairShowsVideo([ada, bob]);
    await ada.page.getByRole('button', { name: 'Send file' }).click();
    await ada.page.getByLabel('Choose files to send').setInputFiles(path);
    const row = bob.page.getByRole('listitem', { name: `${FILE_NAME} from Ada` });
    const accept = row.getByRole('button', { name: 'Accept' });
    await accept.waitFor();
    const started = Date.now();
    await accept.click();
    const done = await bob.page.waitForFunction(
      (name) => document.querySelector(`li[aria-label="${name}"]`)?.getAttribute('data-state') === 'complete' && Date.now(),
      `${FILE_NAME} from Ada`,
      { polling: 20, timeout: TRANSFER_WAIT_MS },
    );
    const seconds = ((await done.jsonValue()) as number - started) / 1000;
    return FILE_BYTES / MiB / seconds;
  } finally {
    await Promise.all([ada, bob].map((person) => person.close()));
  }
}

type DataChannelWindow = {
  runDataChannelPeer: (url: string, id: string) => Promise<void>;
  dcReceive: (total: number) => Promise<number>;
  dcSend: (to: string, total: number, chunk: number) => Promise<number>;
  dcClose: () => void;
};

/** The limit: one bare data channel between two pages, bytes made in the page, ideal backpressure. */
async function limitRun(browser: Browser, pages: BenchPages): Promise<number> {
  const [a, b] = (await Promise.all([0, 1].map(async () => (await browser.newContext()).newPage()))) as [Page, Page];
  try {
    for (const [page, id] of [[a, 'sender'], [b, 'receiver']] as const) {
      await page.goto(`${pages.url}/datachannel.html`);
      await page.waitForFunction(() => 'runDataChannelPeer' in window);
      await bounded(page.evaluate(([url, id]) => (window as unknown as DataChannelWindow).runDataChannelPeer(url, id), [pages.relayUrl, id] as const), 20_000, 'data channel page');
    }
    const received = b.evaluate((total) => (window as unknown as DataChannelWindow).dcReceive(total), FILE_BYTES);
    const opened = await bounded(
      a.evaluate(([total, chunk]) => (window as unknown as DataChannelWindow).dcSend('receiver', total, chunk), [FILE_BYTES, REFERENCE_CHUNK] as const),
      TRANSFER_WAIT_MS,
      'data channel: send',
    );
    const done = await bounded(received, TRANSFER_WAIT_MS, 'data channel: receive');
    for (const page of [a, b]) await page.evaluate(() => (window as unknown as DataChannelWindow).dcClose());
    return FILE_BYTES / MiB / ((done - opened) / 1000);
  } finally {
    await Promise.all([a, b].map((page) => page.context().close()));
  }
}

async function run(context: BenchContext): Promise<BenchSection> {
  const runs = Math.min(MAX_RUNS, context.runs);
  const browser = await context.browser();
  const dir = await mkdtemp(join(tmpdir(), 'parley-bench-'));
  const server = await ParleyProcess.start({ LOG_LEVEL: 'warn' });
  const pages = await BenchPages.start();
  const rates = { parley: [] as number[], limit: [] as number[] };
  try {
    const path = await makeFile(dir);
    for (let i = 0; i < runs; i++) {
      rates.parley.push(await parleyRun(browser, server, path, i));
      rates.limit.push(await limitRun(browser, pages));
      context.log(`run ${i + 1}/${runs}: parley ${rates.parley.at(-1)?.toFixed(1)} MiB/s, bare data channel ${rates.limit.at(-1)?.toFixed(1)} MiB/s`);
    }
  } finally {
    await pages.stop();
    await server.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
  const series: Series[] = [
    { name: 'parley', label: 'Parley (web app: offer, accept, stored and SHA-256 verified)', summary: summarize(rates.parley) },
    { name: 'limit', label: 'Limit: a bare RTCDataChannel, ideal backpressure', summary: summarize(rates.limit) },
  ];
  const markdown = `## File transfer

Machine: ${machineLine()}

${FILE_BYTES / MiB} MiB between two Chromium pages on loopback, MiB/s (higher is
better), ${runs} runs each, alternating. Parley: through the web app, from a
temp file on disk; from the click on "Accept" until the receiver has stored
every byte (OPFS) and verified the SHA-256. The limit: one RTCDataChannel
between two pages (signaling over the bare relay), ${REFERENCE_CHUNK / 1024} KiB messages
made in the page, no file, no hash, sending while under 1 MiB buffered and
resuming on \`bufferedamountlow\` at 256 KiB; from the channel's open until the
receiver has counted every byte. "min" is the slowest run, "p95" the fastest.

${table(series, 'MiB/s', 'parley', 1)}

![file transfer](bench/file-transfer.svg)

### Why Parley is slower, and what it would take

- **The call goes on during the transfer.** Parley's pages keep sending and
  decoding 960x540 video both ways (two encoders, two decoders on 2 cores);
  the reference pages have no media. Data channels here are CPU-bound (the
  lab notes: ~17 MB/s on an idle machine), so the video's CPU comes straight
  off the transfer. Measuring Parley with both cameras off would separate the
  two; turning video down during a transfer is a product choice.
- **Chromium drops packets on the way out**: the log of a run shows \`UDP
  send ... failed with error 11\` (EAGAIN, the socket's send buffer full) on
  the IPv6 host path, so SCTP retransmits and backs off. Which system it hit
  more was not measured; Parley's link also carries the video.
- **SHA-256 on the main thread, on both sides** (@noble/hashes, ~150 MiB/s
  on this CPU in Node): about 1.7 s of main-thread time per side for 256 MiB,
  competing with React and the data channel's events. Fix: hash in a Web
  Worker (transfer each block to it), or hash 1 MiB blocks with
  \`crypto.subtle.digest\` (native, off the main thread) and send a hash of the
  block hashes — a change of the peer protocol's \`file-end\` frame.
- **Receiver writes**: each 64 KiB message is one OPFS write (a round trip
  to the browser process). Gathering them into 4 MiB writes measured 2.3 →
  2.9–3.6 MiB/s on a loaded machine (commit 03b8972), but was reverted: the
  64 MiB e2e transfer timed out in the same loaded window and there was no
  time to show it was the load and not the change. Rerun both on a quiet
  machine before taking it back.
- Still to try: 256 KiB messages instead of 64 KiB (Chromium's limit is
  256 KiB), a higher buffered-amount high-water mark than 1 MiB.
`;
  return {
    markdown,
    charts: [{ file: 'file-transfer.svg', svg: barChart(`File transfer, ${FILE_BYTES / MiB} MiB between two pages (MiB/s, higher is better)`, series, 'MiB/s', 1) }],
  };
}

export const fileTransfer: Benchmark = {
  id: 'file-transfer',
  summary: 'file transfer of 256 MiB: Parley vs a bare data channel with ideal backpressure',
  run,
};
