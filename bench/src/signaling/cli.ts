#!/usr/bin/env node
/**
 * `npm run bench:signaling`: signaling under load, Parley against the bare
 * relay, PeerJS and the naive Socket.IO relay, in one run. Writes its section
 * of docs/benchmarks.md, docs/bench/signaling.svg and the raw figures in
 * docs/bench/signaling.json. Run it under the heavy lock.
 *
 *   npm run bench:signaling                  C = 1,000 … 10,000 (about 10 minutes)
 *   npm run bench:signaling -- --quick       C = 1,000 only
 *   npm run bench:signaling -- --clients 2000 --fours 2000 --systems parley,floor
 *   npm run bench:signaling -- --profile /tmp/prof   Parley's server under node --cpu-prof
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { replaceSection } from '../report.js';
import { benchSignaling, FULL_OPTIONS, QUICK_OPTIONS, type SignalingOptions } from './benchSignaling.js';
import { SYSTEMS, type SystemName } from './protocols.js';
import { signalingChart, signalingMarkdown, SIGNALING_SECTION } from './signalingReport.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    clients: { type: 'string' },
    fours: { type: 'string' },
    systems: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});

function counts(text: string | undefined, fallback: number[]): number[] {
  if (text === undefined) return fallback;
  const list = text.split(',').filter((item) => item.trim() !== '').map(Number);
  if (list.some((n) => !Number.isInteger(n) || n < 4 || n > 19_000)) throw new Error(`client counts must be whole numbers from 4 to 19,000: "${text}"`);
  return list;
}

const base = values.quick ? QUICK_OPTIONS : FULL_OPTIONS;
const systems = values.systems === undefined ? base.systems : (values.systems.split(',') as SystemName[]);
const unknown = systems.filter((s) => !(SYSTEMS as readonly string[]).includes(s));
if (unknown.length > 0) throw new Error(`unknown systems: ${unknown.join(', ')} (known: ${SYSTEMS.join(', ')})`);
const options: SignalingOptions = { ...base, clients: counts(values.clients, base.clients), clientsInFours: counts(values.fours, base.clientsInFours), systems, ...(values.profile ? { profileDir: values.profile } : {}) };

const log = (line: string) => process.stdout.write(`${line}\n`);
const started = Date.now();
const result = await benchSignaling(options, log);
log(`\n${signalingMarkdown(result)}\n\nin ${Math.round((Date.now() - started) / 1000)} s`);
if (!values['no-write']) {
  const docs = fileURLToPath(new URL('../../../docs/', import.meta.url));
  await mkdir(`${docs}bench`, { recursive: true });
  await writeFile(`${docs}bench/signaling.svg`, signalingChart(result));
  await writeFile(`${docs}bench/signaling.json`, `${JSON.stringify(result, (key, value: unknown) => (key === 'latencies' ? undefined : value), 1)}\n`);
  const current = await readFile(`${docs}benchmarks.md`, 'utf8').catch(() => '# Benchmarks\n');
  await writeFile(`${docs}benchmarks.md`, replaceSection(current, SIGNALING_SECTION, signalingMarkdown(result)));
  log('wrote docs/benchmarks.md (signaling section), docs/bench/signaling.svg and docs/bench/signaling.json');
}
