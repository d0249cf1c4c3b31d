import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULT_CONFIG, OPTIONS, configurationReference, loadConfig } from '@parley/server';

describe('loadConfig', () => {
  it('uses the defaults: port 3000, 8 participants, 64 KiB messages', () => {
    const config = loadConfig([], {});
    assert.equal(config.port, 3000);
    assert.equal(config.maxParticipants, 8);
    assert.equal(config.maxMessageBytes, 65536);
    assert.deepEqual(config, DEFAULT_CONFIG);
  });

  it('reads environment variables, and flags win over them', () => {
    const env = { PORT: '4000', HOST: '0.0.0.0', MAX_PARTICIPANTS: '4', STUN_URLS: 'stun:127.0.0.1:3478, stun:[::1]:3478' };
    const fromEnv = loadConfig([], env);
    assert.equal(fromEnv.port, 4000);
    assert.equal(fromEnv.host, '0.0.0.0');
    assert.equal(fromEnv.maxParticipants, 4);
    assert.deepEqual(fromEnv.stunUrls, ['stun:127.0.0.1:3478', 'stun:[::1]:3478']);
    assert.equal(loadConfig(['--port', '5000'], env).port, 5000);
  });

  it('refuses bad values with a message naming the setting', () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [[], { PORT: 'eighty' }, /PORT must be a whole number/],
      [['--port', '70000'], {}, /--port must be a whole number from 0 to 65535/],
      [[], { MAX_PARTICIPANTS: '1' }, /MAX_PARTICIPANTS/],
      [[], { LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
      [[], { STUN_URLS: 'http://x' }, /not a stun: URL/],
      [['--no-such-flag', 'x'], {}, /no-such-flag/],
      [[], { TRUST_PROXY: 'maybe' }, /TRUST_PROXY must be true or false/],
      [[], { FRAME_ANCESTORS: "'unsafe-inline'" }, /FRAME_ANCESTORS: "'unsafe-inline'" is not an origin/],
      [[], { JOIN_TIMEOUT_MS: '10' }, /JOIN_TIMEOUT_MS must be a whole number from 1000/],
      [[], { JWT_SECRET: 'too-short' }, /JWT_SECRET must be at least 32 characters/],
      [[], { REDIS_URL: 'localhost:6379' }, /REDIS_URL must start with redis:\/\/ or rediss:\/\//],
      [[], { REDIS_URL: 'http://redis:6379' }, /REDIS_URL must start with redis:\/\//],
      [[], { REDIS_URL: 'redis://:secret@ bad host' }, /REDIS_URL is not a URL/],
      [['--redis-url', 'redis://redis:6379/cache'], {}, /--redis-url: the database "cache" is not a number/],
      [[], { PRESENCE_TTL_MS: '500' }, /PRESENCE_TTL_MS must be a whole number from 2000 to 60000, got "500"/],
      [['--presence-ttl-ms', '5s'], {}, /--presence-ttl-ms must be a whole number/],
    ];
    for (const [argv, env, message] of cases) {
      assert.throws(() => loadConfig(argv, env), (error: unknown) => error instanceof ConfigError && message.test(error.message));
    }
  });
});

describe('REDIS_URL', () => {
  it('is empty by default (rooms in this process), and takes redis:// and rediss:// URLs as given', () => {
    assert.equal(loadConfig([], {}).redisUrl, '');
    for (const url of ['redis://127.0.0.1:6379', 'redis://:pw@redis:6379/2', 'rediss://user:pw@cache.example:6380']) {
      assert.equal(loadConfig([], { REDIS_URL: url }).redisUrl, url);
    }
  });

  it('never repeats a URL it cannot read, which may hold the Redis password', () => {
    assert.throws(
      () => loadConfig([], { REDIS_URL: 'redis://:hunter2@ x' }),
      (error: unknown) => error instanceof ConfigError && !error.message.includes('hunter2'),
    );
  });
});

describe('PRESENCE_TTL_MS', () => {
  it('is 5 s by default, and taken from the environment or the flag within 2-60 s', () => {
    assert.equal(loadConfig([], {}).presenceTtlMs, 5000);
    assert.equal(loadConfig([], { PRESENCE_TTL_MS: '2000' }).presenceTtlMs, 2000);
    assert.equal(loadConfig(['--presence-ttl-ms', '60000'], { PRESENCE_TTL_MS: '3000' }).presenceTtlMs, 60_000);
  });
});

describe('the configuration reference', () => {
  it('in docs/configuration.md is the one the code generates (run `npm run docs:config` after changing OPTIONS)', () => {
    const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    const table = doc.slice(doc.indexOf('<!-- options:start -->') + '<!-- options:start -->'.length, doc.indexOf('<!-- options:end -->')).trim();
    assert.equal(table, configurationReference());
    for (const spec of OPTIONS) assert.ok(spec.description.length > 10, `${spec.env} is described`);
  });
});
