import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { OPTIONS, loadConfig } from '@parley/server';

/**
 * The files in deploy/ a person copies onto a server. What this machine can
 * run (systemd's checker, nginx) checks them for real; the compose file and
 * Dockerfile, which need a Docker engine, are parsed and checked against the
 * server's own configuration.
 */

const deploy = (path: string) => fileURLToPath(new URL(`../../../deploy/${path}`, import.meta.url));
const KNOWN_ENV = new Set<string>(OPTIONS.map((spec) => spec.env));

/** KEY=value lines of an env file, without comments. */
function envFile(path: string): Record<string, string> {
  const entries = readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)] as const;
    });
  return Object.fromEntries(entries);
}

function assertKnownSettings(env: Record<string, string>, where: string): void {
  for (const key of Object.keys(env)) {
    assert.ok(KNOWN_ENV.has(key), `${where}: ${key} is not a Parley setting (docs/configuration.md)`);
  }
}

describe('deploy/', () => {
  it('systemd: the unit passes systemd-analyze verify, and its example environment is a valid configuration', () => {
    const result = spawnSync('systemd-analyze', ['verify', deploy('systemd/parley@.service')], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr.trim(), '', 'no warnings');
    const env = envFile(deploy('systemd/parley.env.example'));
    assertKnownSettings(env, 'parley.env.example');
    const config = loadConfig([], { ...env, PORT: '3001' });
    assert.equal(config.trustProxy, true, 'behind nginx the client address comes from X-Forwarded-For');
    assert.ok(config.turnUrls.length > 0 && config.drainDelayMs > 0);
  });

  it('compose: two servers sharing one Redis, coturn, valid settings, and files that exist', () => {
    const compose = parse(readFileSync(deploy('compose/compose.yaml'), 'utf8'), { merge: true }) as {
      services: Record<string, { build?: { context: string; dockerfile: string }; environment?: Record<string, string>; env_file?: string; image?: string; depends_on?: object; volumes?: string[] }>;
    };
    const servers = Object.entries(compose.services).filter(([name]) => name.startsWith('parley-'));
    assert.equal(servers.length, 2);
    assert.ok(compose.services['redis'] && compose.services['coturn']);
    const env = envFile(deploy('compose/parley.env.example'));
    assertKnownSettings(env, 'compose/parley.env.example');
    for (const [name, service] of servers) {
      assert.equal(service.environment?.['REDIS_URL'], 'redis://redis:6379', `${name} shares rooms through Redis`);
      assertKnownSettings(service.environment ?? {}, name);
      const settings = Object.fromEntries(Object.entries({ ...env, ...service.environment }).filter(([key]) => KNOWN_ENV.has(key)));
      loadConfig([], settings);
      assert.equal(service.build?.dockerfile, 'deploy/compose/Dockerfile');
      assert.ok(service.depends_on && 'redis' in service.depends_on);
    }
    const turnConf = compose.services['coturn']?.volumes?.[0]?.split(':')[0] ?? '';
    assert.ok(readFileSync(deploy(`compose/${turnConf}`), 'utf8').includes('use-auth-secret'), 'coturn gets our hardened configuration');
    const dockerfile = readFileSync(deploy('compose/Dockerfile'), 'utf8');
    assert.match(dockerfile, /^FROM node:20/m);
    assert.match(dockerfile, /CMD \["node", "packages\/server\/dist\/main\.js"\]/);
    assert.match(dockerfile, /\/readyz/, 'the health check asks whether the server is ready');
  });

  it('nginx: the site configuration passes nginx -t', () => {
    // nginx -t opens the certificates: make a throwaway pair and point the config at it.
    const dir = execFileSync('mktemp', ['-d'], { encoding: 'utf8' }).trim();
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=meet.example.org', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`], { stdio: 'ignore' });
    const site = readFileSync(deploy('nginx/parley.conf'), 'utf8')
      .replace(/\/etc\/letsencrypt\/live\/meet\.example\.org\/fullchain\.pem/, `${dir}/cert.pem`)
      .replace(/\/etc\/letsencrypt\/live\/meet\.example\.org\/privkey\.pem/, `${dir}/key.pem`);
    const main = `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n${site}\n}\n`;
    execFileSync('sh', ['-c', `cat > ${dir}/nginx.conf`], { input: main });
    const result = spawnSync('nginx', ['-t', '-p', dir, '-c', `${dir}/nginx.conf`], { encoding: 'utf8' });
    execFileSync('rm', ['-rf', dir]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /syntax is ok/);
  });
});
