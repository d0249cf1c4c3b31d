import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

/**
 * `npm audit` needs the registry's audit service, which this machine cannot
 * reach (it answers 405), so the floors for packages that had advisories are
 * checked here against the lockfile: every copy of each, at any depth.
 */
const FLOORS: Record<string, { floor: string; why: string }> = {
  ws: { floor: '8.21.0', why: 'the issue pins it; older 8.x had a header-count DoS (CVE-2024-37890)' },
  express: { floor: '4.20.0', why: 'open redirect / XSS in res.redirect (CVE-2024-43796), via peer' },
  'path-to-regexp': { floor: '0.1.12', why: 'ReDoS (CVE-2024-52798), via express' },
  cookie: { floor: '0.7.0', why: 'out-of-bounds characters in cookie names (CVE-2024-47764)' },
  'body-parser': { floor: '1.20.3', why: 'DoS with URL encoding (CVE-2024-45590)' },
  send: { floor: '0.19.0', why: 'template injection XSS (CVE-2024-43799)' },
  'serve-static': { floor: '1.16.0', why: 'template injection XSS (CVE-2024-43800)' },
  nanoid: { floor: '3.3.8', why: 'predictable results with non-integer sizes (CVE-2024-55565)' },
  vite: { floor: '6.2.7', why: 'dev-server file read bypasses of server.fs.deny (2025 advisories)' },
};

function atLeast(version: string, floor: string): boolean {
  const a = version.split(/[.-]/).map(Number);
  const b = floor.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

describe('dependencies', () => {
  it('every copy of a package with a known advisory is at or above its floor', () => {
    const lock = JSON.parse(readFileSync(new URL('../../../package-lock.json', import.meta.url), 'utf8')) as {
      packages: Record<string, { version?: string }>;
    };
    const seen: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const name = path.split('node_modules/').at(-1) ?? '';
      const rule = FLOORS[name];
      if (!rule || !entry.version) continue;
      seen.push(`${name}@${entry.version}`);
      assert.ok(atLeast(entry.version, rule.floor), `${path} is ${entry.version}, below ${rule.floor}: ${rule.why}`);
    }
    assert.ok(seen.some((s) => s.startsWith('ws@')), 'ws is in the tree');
    console.log(`# checked ${seen.length} copies: ${seen.join(', ')}`);
  });
});
