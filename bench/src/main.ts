#!/usr/bin/env node
/**
 * `npm run bench`: every benchmark, side by side with its references in the
 * same run, written to docs/benchmarks.md with SVG charts in docs/bench/.
 * Not a test: nothing here passes or fails on a timing.
 *
 *   npm run bench                          all of them, default runs
 *   npm run bench -- first-frame           one (or several) by name
 *   npm run bench -- mesh-cost --runs 3    fewer runs, for a quick look
 *   npm run bench -- --list                the names
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium, type Browser } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '@parley/testbed';
import { BENCHMARKS } from './benchmarks.js';
import { foreignBlocks, readSections, writeDocument } from './BenchDocument.js';
import { benchSignaling, FULL_OPTIONS, QUICK_OPTIONS, writeSignalingReport } from './signaling/index.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string' }, list: { type: 'boolean', default: false } },
});
const log = (line: string) => process.stdout.write(`${line}\n`);

if (values.list) {
  for (const benchmark of BENCHMARKS) log(`${benchmark.id.padEnd(16)} ${benchmark.summary}`);
  process.exit(0);
}
// The signaling benchmark (bench/src/signaling/) writes its own section and runs last; it is not in BENCHMARKS yet.
const SIGNALING = 'signaling';
const unknown = positionals.filter((name) => name !== SIGNALING && !BENCHMARKS.some((b) => b.id === name));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')}; known: ${[...BENCHMARKS.map((b) => b.id), SIGNALING].join(', ')}\n`);
  process.exit(2);
}
const runsArg = values.runs === undefined ? undefined : Number(values.runs);
if (runsArg !== undefined && !(Number.isInteger(runsArg) && runsArg >= 1 && runsArg <= 200)) {
  process.stderr.write('--runs takes a whole number from 1 to 200\n');
  process.exit(2);
}
const chosen = positionals.length === 0 ? BENCHMARKS : BENCHMARKS.filter((b) => positionals.includes(b.id));

const docs = fileURLToPath(new URL('../../docs/', import.meta.url));
const documentPath = `${docs}benchmarks.md`;
let browser: Browser | undefined;
try {
  const existing = await readFile(documentPath, 'utf8').catch(() => '');
  const sections = readSections(existing);
  const foreign = foreignBlocks(existing);
  await mkdir(`${docs}bench`, { recursive: true });
  for (const benchmark of chosen) {
    log(`\n== ${benchmark.id}: ${benchmark.summary}`);
    const section = await benchmark.run({
      runs: runsArg ?? 20,
      log,
      browser: async () => (browser ??= await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS })),
    });
    for (const chart of section.charts) await writeFile(`${docs}bench/${chart.file}`, chart.svg);
    sections.set(benchmark.id, section.markdown);
    // Written after each benchmark, so an interrupted run keeps what it measured.
    await writeFile(documentPath, writeDocument(sections, BENCHMARKS.map((b) => b.id), foreign));
    log(`\n${section.markdown}\nwrote docs/benchmarks.md${section.charts.map((c) => ` and docs/bench/${c.file}`).join('')}`);
  }
} finally {
  await browser?.close();
}
if (positionals.length === 0 || positionals.includes(SIGNALING)) {
  const runs = runsArg ?? 20;
  log('\nsignaling under load');
  await writeSignalingReport(await benchSignaling(runs < 20 ? QUICK_OPTIONS : FULL_OPTIONS, log), docs);
  log('wrote the signaling section of docs/benchmarks.md and docs/bench/signaling.svg');
}
