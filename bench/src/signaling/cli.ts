#!/usr/bin/env node
/**
 * `npm run bench:signaling`: signaling under load, Parley (on one node, and on
 * three nodes sharing a real Redis) against the bare relay, PeerJS and the
 * naive Socket.IO relay, in one run. Writes its section
 * of docs/benchmarks.md, docs/bench/signaling.svg and the raw figures in
 * docs/bench/signaling.json. Run it under the heavy lock.
 *
 *   npm run bench:signaling                  C = 1,000 … 10,000, rooms of four at 2,000 and 5,000 (about 20 minutes with parley-3)
 *   npm run bench:signaling -- --quick       C = 1,000 only
 *   npm run bench:signaling -- --clients 2000 --fours 2000 --systems parley,floor
 *   npm run bench:signaling -- --clients 2000,5000 --fours= --systems parley,parley-3,parley-semi2
 *   npm run bench:signaling -- --profile /tmp/prof   Parley's server under node --cpu-prof
 *   npm run bench:signaling -- --from-json docs/bench/signaling.json   rewrite the report, no run
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchSignaling, FULL_OPTIONS, QUICK_OPTIONS, type SignalingOptions, type SignalingResult } from './benchSignaling.js';
import { ALL_SYSTEMS, type SystemName } from './protocols.js';
import { signalingMarkdown, writeSignalingReport } from './signalingReport.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    clients: { type: 'string' },
    fours: { type: 'string' },
    systems: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    profile: { type: 'string' },
    'from-json': { type: 'string' },
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
const unknown = systems.filter((s) => !(ALL_SYSTEMS as readonly string[]).includes(s));
if (unknown.length > 0) throw new Error(`unknown systems: ${unknown.join(', ')} (known: ${ALL_SYSTEMS.join(', ')})`);
const options: SignalingOptions = { ...base, clients: counts(values.clients, base.clients), clientsInFours: counts(values.fours, base.clientsInFours), systems, ...(values.profile ? { profileDir: values.profile } : {}) };

const log = (line: string) => process.stdout.write(`${line}\n`);
const started = Date.now();
const fromJson = values['from-json'];
const result: SignalingResult = fromJson ? (JSON.parse(await readFile(fromJson, 'utf8')) as SignalingResult) : await benchSignaling(options, log);
log(`\n${signalingMarkdown(result)}\n\nin ${Math.round((Date.now() - started) / 1000)} s`);
if (!values['no-write']) {
  await writeSignalingReport(result, fileURLToPath(new URL('../../../docs/', import.meta.url)));
  log('wrote docs/benchmarks.md (signaling section), docs/bench/signaling.svg and docs/bench/signaling.json');
}
