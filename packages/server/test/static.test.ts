import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer } from './support/server.js';

describe('the web app over HTTP', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startTestServer>>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-static-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>Parley</title>');
    await writeFile(join(dir, 'assets', 'app-abc123.js'), 'console.log(1)');
    await writeFile(join(tmpdir(), 'parley-secret.txt'), 'secret');
    server = await startTestServer({ staticDir: dir });
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true });
  });

  it('serves index.html for a room link, uncached, with security headers', async () => {
    const response = await fetch(`${server.url}/r/team-sync`);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /<title>Parley/);
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.match(response.headers.get('permissions-policy') ?? '', /camera=\(self\)/);
    assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.doesNotMatch(response.headers.get('content-security-policy') ?? '', /unsafe-inline[^;]*;.*script|script-src[^;]*unsafe/);
  });

  it('lets only the configured sites frame the app', async () => {
    const embeddable = await startTestServer({ staticDir: dir, frameAncestors: ['https://intranet.example', "'self'"] });
    try {
      const csp = (await fetch(`${embeddable.url}/`)).headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors https:\/\/intranet\.example 'self'/);
    } finally {
      await embeddable.close();
    }
  });

  it('caches hashed assets for a year and answers a matching ETag with 304', async () => {
    const response = await fetch(`${server.url}/assets/app-abc123.js`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /javascript/);
    assert.match(response.headers.get('cache-control') ?? '', /immutable/);
    const etag = response.headers.get('etag') ?? '';
    const again = await fetch(`${server.url}/assets/app-abc123.js`, { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
  });

  it('never serves a file outside its directory and 404s a missing asset', async () => {
    for (const path of ['/../parley-secret.txt', '/%2e%2e/parley-secret.txt', '/assets/..%2f..%2fparley-secret.txt']) {
      const response = await fetch(`${server.url}${path}`);
      assert.notEqual(await response.text(), 'secret', path);
    }
    assert.equal((await fetch(`${server.url}/assets/missing.js`)).status, 404);
    assert.equal((await fetch(`${server.url}/r/x`, { method: 'POST' })).status, 405);
  });

  it('reports health', async () => {
    const response = await fetch(`${server.url}/healthz`);
    assert.deepEqual(await response.json(), { status: 'ok', rooms: 0, participants: 0 });
  });
});
