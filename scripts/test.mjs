#!/usr/bin/env node
/**
 * The one test command (`npm test`), the same in CI and on a laptop. On a fresh
 * machine it first installs what the tests need: Debian's Chromium when it is
 * missing (as root, via apt-get) and the npm packages. Then it builds, runs
 * the unit and integration suites (node:test) and the real-browser suite
 * (Playwright), and ends with one line summing them: `N passed, N failed`.
 *
 *   npm test                 everything
 *   npm test -- --unit       only node:test suites
 *   npm test -- --e2e        only Playwright (extra args go to Playwright)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const only = args.includes('--unit') ? 'unit' : args.includes('--e2e') ? 'e2e' : 'all';
const passThrough = args.filter((arg) => arg !== '--unit' && arg !== '--e2e');

/** Debian packages the suites drive as real processes, by the command that proves each is there. */
const SYSTEM_PACKAGES = [
  { command: 'chromium', pkg: 'chromium' },
  { command: 'turnserver', pkg: 'coturn' },
  { command: 'ip', pkg: 'iproute2' },
  { command: 'iptables', pkg: 'iptables' },
  { command: 'nginx', pkg: 'nginx' },
  { command: 'systemd-analyze', pkg: 'systemd' },
  { command: 'redis-server', pkg: 'redis-server' },
];

/** Node test projects: compiled by `tsc -b`, run from their dist-test folders. */
const NODE_SUITES = ['packages/protocol', 'packages/server', 'packages/client', 'packages/testbed'];

/**
 * Suites whose figures are latencies under load (relay p99, how soon a
 * flooder is cut): they run alone, before the rest, so another suite's work
 * on this 2-core machine never shows up in their numbers.
 */
const SOLO_NODE_TESTS = ['packages/server/dist-test/hostile.test.js', 'packages/server/dist-test/flood.test.js'];

/**
 * How many of the other test files run at once. Most of their time is spent
 * waiting (for Redis, node processes, heartbeats, timeouts), not computing;
 * node --test would run one file at a time on 2 cores (it uses one fewer than the CPUs).
 */
const NODE_TEST_CONCURRENCY = 3;

const totals = { passed: 0, failed: 0 };

function log(message) {
  process.stdout.write(`\n== ${message}\n`);
}

function run(command, commandArgs, options = {}) {
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit', ...options });
  return result.status === 0;
}

/** Runs commands side by side (each `[command, args]`), output inherited; true when every one succeeded. */
async function runTogether(commands) {
  const results = await Promise.all(
    commands.map(
      ([command, commandArgs]) =>
        new Promise((resolve) => {
          const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit' });
          child.on('error', () => resolve(false));
          child.on('close', (code) => resolve(code === 0));
        }),
    ),
  );
  return results.every(Boolean);
}

/** Runs a command, echoing its output live and returning it for counting. */
function runCapturing(command, commandArgs, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
      process.stderr.write(chunk);
    });
    child.on('close', (code) => resolve({ ok: code === 0, output }));
  });
}

function fail(step) {
  process.stdout.write(`\n${step} failed; the suites after it cannot run.\n`);
  totals.failed += 1;
  finish();
}

function finish() {
  process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed\n`);
  process.exit(totals.failed > 0 ? 1 : 0);
}

function ensureSystemPackages() {
  const missing = SYSTEM_PACKAGES.filter(({ command }) => !onPath(command)).map(({ pkg }) => pkg);
  if (missing.length === 0) return true;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    process.stdout.write(`Missing Debian packages: ${missing.join(' ')}. Install them: sudo apt-get install -y ${missing.join(' ')}\n`);
    return false;
  }
  log(`installing ${missing.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  return (
    run('apt-get', ['update', '-qq'], { env }) &&
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env })
  );
}

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function ensureNodeModules() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  const fresh = existsSync(marker) && existsSync(lock) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs;
  if (fresh && !process.env.CI) return true;
  log(process.env.CI ? 'npm ci' : 'npm install');
  return run('npm', process.env.CI ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund']);
}

/** node:test's spec reporter ends with "ℹ pass N" and "ℹ fail N". */
function countNodeTests(output) {
  const number = (label) => Number(new RegExp(`ℹ ${label} (\\d+)`).exec(output)?.[1] ?? 0);
  return { passed: number('pass'), failed: number('fail') + number('cancelled') };
}

async function runNodeSuites() {
  log('unit and integration tests (node:test)');
  const files = NODE_SUITES.flatMap((suite) =>
    readdirSync(join(root, suite, 'dist-test'))
      .filter((name) => name.endsWith('.test.js'))
      .map((name) => join(suite, 'dist-test', name)),
  ).sort();
  const solo = files.filter((file) => SOLO_NODE_TESTS.includes(file));
  const rest = files.filter((file) => !SOLO_NODE_TESTS.includes(file));
  for (const [batch, concurrency] of [
    [solo, 1],
    [rest, NODE_TEST_CONCURRENCY],
  ]) {
    if (batch.length === 0) continue;
    const { ok, output } = await runCapturing(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...batch]);
    const counts = countNodeTests(output);
    if (!ok && counts.failed === 0) counts.failed = 1;
    totals.passed += counts.passed;
    totals.failed += counts.failed;
  }
}

async function runE2e() {
  log('end-to-end tests in Chromium (Playwright)');
  const resultsFile = join(root, 'e2e', '.artifacts', 'results.json');
  rmSync(resultsFile, { force: true });
  const { ok } = await runCapturing('npx', ['playwright', 'test', ...passThrough], { cwd: join(root, 'e2e') });
  let counts = { passed: 0, failed: ok ? 0 : 1 };
  if (existsSync(resultsFile)) {
    const { stats } = JSON.parse(readFileSync(resultsFile, 'utf8'));
    counts = { passed: stats.expected + stats.flaky, failed: stats.unexpected };
    if (!ok && counts.failed === 0) counts.failed = 1;
  }
  totals.passed += counts.passed;
  totals.failed += counts.failed;
}

if (!ensureSystemPackages()) fail('installing system packages');
if (!ensureNodeModules()) fail('installing npm packages');
log('build');
if (!run('npm', ['run', 'build', '--silent'])) fail('the build');
log('typecheck (tests, e2e and web app)');
// Two independent tsc runs, one per core: the node tests' build and the typecheck of the rest.
const typechecked = await runTogether([
  ['npx', ['tsc', '-b', ...NODE_SUITES.map((suite) => `${suite}/test`)]],
  ['npm', ['run', 'typecheck', '--silent']],
]);
if (!typechecked) fail('the typecheck');
if (only !== 'e2e') await runNodeSuites();
if (only !== 'unit') await runE2e();
finish();
