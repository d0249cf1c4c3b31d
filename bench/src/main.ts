#!/usr/bin/env node
/**
 * `npm run bench`: every benchmark, side by side with its references in the
 * same run, written to docs/benchmarks.md with an SVG chart each. Not a test:
 * nothing here passes or fails on a timing.
 *
 *   npm run bench                 all (20 runs each)
 *   npm run bench -- --runs 5     fewer runs, for a quick look (signaling at C = 1,000 only)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '@parley/testbed';
import { benchFirstFrame } from './firstFrame.js';
import { barChart, machineLine, table } from './report.js';
import { benchSignaling, FULL_OPTIONS, QUICK_OPTIONS, writeSignalingReport } from './signaling/index.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const runs = Math.max(1, Math.min(200, Number(values.runs) || 20));
const docs = fileURLToPath(new URL('../../docs/', import.meta.url));
const log = (line: string) => process.stdout.write(`${line}\n`);

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
try {
  log(`time to first remote frame, ${runs} runs each, alternating`);
  const firstFrame = await benchFirstFrame(browser, runs, log);
  await mkdir(`${docs}bench`, { recursive: true });
  await writeFile(`${docs}bench/first-frame.svg`, barChart('Time to first remote frame, two people (ms, lower is better)', firstFrame.series, 'ms'));
  const markdown = `# Benchmarks

Written by \`npm run bench\` (bench/). Every figure is measured side by side with
its references in the same run, alternating run by run, on loopback; ratios
are medians over medians. These are not tests: nothing fails on a timing.

Machine: ${machineLine()}

## 1. Time to first remote frame

Two Chromium pages with the fake camera. Parley: from the click on "Join" by
the second person until both pages have presented a first remote frame
(requestVideoFrameCallback), through the real web app and server. The limit:
two RTCPeerConnections wired directly inside one page, from createOffer. The
bare relay: a minimal two-page call whose signaling goes through a \`ws\`
server that forwards every message and does nothing else.

${table(firstFrame.series, 'ms')}

![time to first remote frame](bench/first-frame.svg)

Not measured yet: PeerJS (npm \`peer\` + \`peerjs\`), meshes of 3 and 4, file
transfer against a bare data channel, mesh cost.
`;
  await writeFile(`${docs}benchmarks.md`, markdown);
  log(`\n${table(firstFrame.series, 'ms')}\n\nwrote docs/benchmarks.md and docs/bench/first-frame.svg`);
} finally {
  await browser.close();
}

log('\nsignaling under load');
await writeSignalingReport(await benchSignaling(runs < 20 ? QUICK_OPTIONS : FULL_OPTIONS, log), docs);
log('wrote the signaling section of docs/benchmarks.md and docs/bench/signaling.svg');
