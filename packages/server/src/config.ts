import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_PARTICIPANTS } from '@parley/protocol';

/** Everything the server can be told, after validation. */
export interface ServerConfig {
  port: number;
  host: string;
  maxParticipants: number;
  maxMessageBytes: number;
  heartbeatIntervalMs: number;
  /** Browser origins allowed to open the WebSocket besides the server's own; `*` allows all. */
  allowedOrigins: string[];
  /** The built web app; empty string serves no files. */
  staticDir: string;
  logLevel: LogLevel;
  /** STUN URLs handed to every client (`stun:host:port`). */
  stunUrls: string[];
  /** TURN URLs (`turn:`, `turns:`) handed to every client with credentials of its own. */
  turnUrls: string[];
  /** The secret shared with coturn (`static-auth-secret`); never sent to a browser. */
  turnSecret: string;
  /** How long a participant's TURN credentials are valid. */
  turnTtlSeconds: number;
  /** How long a dropped participant keeps its place, from when it was last heard; 0 disables resuming. */
  resumeWindowMs: number;
  /** Signs resume tokens; set it (same on every node) for resumes to survive a restart. Empty: random per process. */
  sessionSecret: string;
  /** Messages per second one connection may send, on average. */
  rateLimitPerSecond: number;
  /** Messages one connection may send at once before the average applies. */
  rateLimitBurst: number;
  /** Open connections one client address may hold; 0 means no limit. */
  maxConnectionsPerIp: number;
  /** A connection that is in no room for this long is closed. */
  joinTimeoutMs: number;
  /** Take the client address from the last X-Forwarded-For entry (behind a reverse proxy). */
  trustProxy: boolean;
  /** Who may frame the web app (CSP frame-ancestors); empty: nobody. */
  frameAncestors: string[];
  /** Port of the Prometheus /metrics listener; 0: no metrics. The same as `port`: on the public port. */
  metricsPort: number;
  /** Address of the /metrics listener. */
  metricsHost: string;
  /** On SIGTERM, how long /readyz fails before connections are closed, so a load balancer stops sending new ones. */
  drainDelayMs: number;
  /** On SIGTERM, the longest the shutdown may take before the process exits regardless. */
  shutdownTimeoutMs: number;
  /** HS256 secret of room tokens (JWT); set, every join needs a valid token for its room. Empty: rooms are open. */
  jwtSecret: string;
  /** Redis shared by every node (`redis://` or `rediss://`); empty: rooms stay in this process and no Redis is needed. */
  redisUrl: string;
  /** With Redis: a node not heard from this long is dead, and its participants are removed from their rooms. */
  presenceTtlMs: number;
  /** With Redis: most bytes of messages for other nodes waiting for Redis (a sixteenth of it: clients are not read until it drains). */
  busBacklogBytes: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A bad setting: the message names the flag, the environment variable and the value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Parser<T> = (raw: string, label: string) => T;

interface OptionSpec<K extends keyof ServerConfig> {
  key: K;
  flag: string;
  env: string;
  description: string;
  default: ServerConfig[K];
  /** How the default reads in the docs when the value itself would mislead (a machine path, a random secret). */
  shownDefault?: string;
  parse: Parser<ServerConfig[K]>;
}

const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

const integer =
  (min: number, max: number): Parser<number> =>
  (raw, label) => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new ConfigError(`${label} must be a whole number from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };

const text: Parser<string> = (raw) => raw.trim();

const list: Parser<string[]> = (raw) =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

const boolean: Parser<boolean> = (raw, label) => {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new ConfigError(`${label} must be true or false, got "${raw}"`);
};

/** CSP source expressions a deployer would put in frame-ancestors: origins, 'self', or 'none'. */
const frameAncestors: Parser<string[]> = (raw, label) => {
  const sources = list(raw, label);
  for (const source of sources) {
    if (!/^('self'|'none'|https?:\/\/[A-Za-z0-9.*-]+(:\d+)?)$/.test(source)) {
      throw new ConfigError(`${label}: "${source}" is not an origin (https://app.example) or 'self'`);
    }
  }
  return sources;
};

const logLevel: Parser<LogLevel> = (raw, label) => {
  const value = raw.trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new ConfigError(`${label} must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  }
  return value as LogLevel;
};

const stunUrls: Parser<string[]> = (raw, label) => {
  const urls = list(raw, label);
  for (const url of urls) {
    if (!/^stuns?:[^\s]+$/.test(url)) throw new ConfigError(`${label}: "${url}" is not a stun: URL`);
  }
  return urls;
};

const turnUrls: Parser<string[]> = (raw, label) => {
  const urls = list(raw, label);
  for (const url of urls) {
    if (!/^turns?:[^\s]+$/.test(url)) throw new ConfigError(`${label}: "${url}" is not a turn: or turns: URL`);
  }
  return urls;
};

/**
 * `redis://[user:password@]host[:port][/db]` or `rediss://` (TLS): checked
 * here so a typo stops the server at start instead of retrying forever.
 */
const redisUrl: Parser<string> = (raw, label) => {
  const value = raw.trim();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Not echoed: the URL may carry the Redis password.
    throw new ConfigError(`${label} is not a URL; expected redis://host:6379 or rediss://host:6380`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError(`${label} must start with redis:// or rediss://, got "${url.protocol}//…"`);
  }
  if (url.hostname === '') throw new ConfigError(`${label} names no host`);
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db)) throw new ConfigError(`${label}: the database "${db}" is not a number`);
  return value;
};

function option<K extends keyof ServerConfig>(spec: OptionSpec<K>): OptionSpec<K> {
  return spec;
}

/**
 * The one list of settings: parsing, defaults and the `--help` text all come
 * from here, so the README's configuration table can never drift from the code.
 */
export const OPTIONS = [
  option({ key: 'port', flag: 'port', env: 'PORT', default: 3000, parse: integer(0, 65535), description: 'TCP port for HTTP and WebSocket' }),
  option({ key: 'host', flag: 'host', env: 'HOST', default: '127.0.0.1', parse: text, description: 'address to listen on (0.0.0.0 for all IPv4 interfaces)' }),
  option({ key: 'maxParticipants', flag: 'max-participants', env: 'MAX_PARTICIPANTS', default: DEFAULT_MAX_PARTICIPANTS, parse: integer(2, 50), description: 'participants allowed in one room' }),
  option({ key: 'maxMessageBytes', flag: 'max-message-bytes', env: 'MAX_MESSAGE_BYTES', default: DEFAULT_MAX_MESSAGE_BYTES, parse: integer(1024, 1024 * 1024), description: 'largest WebSocket message accepted; larger ones close the socket with 1009' }),
  option({ key: 'heartbeatIntervalMs', flag: 'heartbeat-interval-ms', env: 'HEARTBEAT_INTERVAL_MS', default: 5000, parse: integer(100, 600_000), description: 'heartbeat period I: a connection silent for 1.4 I is pinged and dropped if the ping goes unanswered for 0.8 I (at most 2.4 I after its last word)' }),
  option({ key: 'allowedOrigins', flag: 'allowed-origins', env: 'ALLOWED_ORIGINS', default: [], parse: list, description: 'extra browser origins allowed to connect (comma-separated, * for any)' }),
  option({ key: 'staticDir', flag: 'static-dir', env: 'STATIC_DIR', default: DEFAULT_STATIC_DIR, shownDefault: 'packages/web/dist', parse: text, description: 'directory of the built web app ("" serves none)' }),
  option({ key: 'logLevel', flag: 'log-level', env: 'LOG_LEVEL', default: 'info', parse: logLevel, description: 'pino log level' }),
  option({ key: 'stunUrls', flag: 'stun-urls', env: 'STUN_URLS', default: [], parse: stunUrls, description: 'STUN URLs given to clients (comma-separated)' }),
  option({ key: 'turnUrls', flag: 'turn-urls', env: 'TURN_URLS', default: [], parse: turnUrls, description: 'TURN URLs given to clients, e.g. turn:turn.example:3478?transport=udp,turns:turn.example:5349 (comma-separated)' }),
  option({ key: 'turnSecret', flag: 'turn-secret', env: 'TURN_SECRET', default: '', parse: text, description: "coturn's static-auth-secret; TURN credentials are derived from it (TURN REST API)" }),
  option({ key: 'turnTtlSeconds', flag: 'turn-ttl-seconds', env: 'TURN_TTL_SECONDS', default: 4 * 3600, parse: integer(30, 7 * 24 * 3600), description: 'lifetime of TURN credentials; clients refresh them before it ends' }),
  option({ key: 'resumeWindowMs', flag: 'resume-window-ms', env: 'RESUME_WINDOW_MS', default: 10_000, parse: integer(0, 600_000), description: 'how long a dropped participant keeps its place (from when it was last heard) so it can resume; 0 disables' }),
  option({ key: 'sessionSecret', flag: 'session-secret', env: 'SESSION_SECRET', default: '', shownDefault: '(random per process)', parse: text, description: 'signs resume tokens; set it (16+ characters, the same on every node) so resumes survive a restart' }),
  option({ key: 'jwtSecret', flag: 'jwt-secret', env: 'JWT_SECRET', default: '', parse: text, description: 'HS256 secret for room tokens (JWT with room, name, exp, optional role) when Parley is embedded; set (32+ characters), every join needs a valid token for its room' }),
  option({ key: 'rateLimitPerSecond', flag: 'rate-limit-per-second', env: 'RATE_LIMIT_PER_SECOND', default: 50, parse: integer(1, 100_000), description: 'messages per second one connection may send on average; more are refused with rate-limited' }),
  option({ key: 'rateLimitBurst', flag: 'rate-limit-burst', env: 'RATE_LIMIT_BURST', default: 200, parse: integer(1, 1_000_000), description: 'messages one connection may send at once (a renegotiation with many candidates) before the average applies' }),
  option({ key: 'maxConnectionsPerIp', flag: 'max-connections-per-ip', env: 'MAX_CONNECTIONS_PER_IP', default: 50, parse: integer(0, 1_000_000), description: 'open WebSocket connections one client address may hold (0: no limit); more are refused with too-many-connections' }),
  option({ key: 'joinTimeoutMs', flag: 'join-timeout-ms', env: 'JOIN_TIMEOUT_MS', default: 15_000, parse: integer(1000, 3_600_000), description: 'a connection that is in no room this long is closed with join-timeout (checked at each heartbeat)' }),
  option({ key: 'trustProxy', flag: 'trust-proxy', env: 'TRUST_PROXY', default: false, parse: boolean, description: 'behind a reverse proxy: take the client address from the last X-Forwarded-For entry' }),
  option({ key: 'metricsPort', flag: 'metrics-port', env: 'METRICS_PORT', default: 0, parse: integer(0, 65535), description: 'serve Prometheus metrics at /metrics on this port (0: off; the same as PORT: on the public port)' }),
  option({ key: 'metricsHost', flag: 'metrics-host', env: 'METRICS_HOST', default: '127.0.0.1', parse: text, description: 'address of the metrics listener (keep it private)' }),
  option({ key: 'drainDelayMs', flag: 'drain-delay-ms', env: 'DRAIN_DELAY_MS', default: 0, parse: integer(0, 600_000), description: 'on SIGTERM: /readyz fails and new connections are refused this long before open ones are closed (give the load balancer time to notice)' }),
  option({ key: 'shutdownTimeoutMs', flag: 'shutdown-timeout-ms', env: 'SHUTDOWN_TIMEOUT_MS', default: 10_000, parse: integer(100, 600_000), description: 'on SIGTERM: the process exits after this long even if connections are still closing' }),
  option({ key: 'redisUrl', flag: 'redis-url', env: 'REDIS_URL', default: '', parse: redisUrl, description: 'Redis shared by several nodes (redis://host:6379, rediss:// for TLS): rooms, cross-node delivery, node presence and resume tokens go through it; empty: everything stays in this process' }),
  option({ key: 'presenceTtlMs', flag: 'presence-ttl-ms', env: 'PRESENCE_TTL_MS', default: 5000, parse: integer(2000, 60_000), description: 'with REDIS_URL: a node not heard from this long is dead and its participants are taken out of their rooms (it beats every third of this); shorter frees their places sooner, longer rides out longer stalls' }),
  option({ key: 'busBacklogBytes', flag: 'bus-backlog-bytes', env: 'BUS_BACKLOG_BYTES', default: 16 * 1024 * 1024, parse: integer(64 * 1024, 1024 ** 3), description: 'with REDIS_URL: most bytes of messages for other nodes waiting for Redis; past a sixteenth of it the node stops reading clients until Redis has taken half of that (flow control), and only when Redis takes nothing (frozen, away) are signals past all of it refused with unavailable' }),
  option({ key: 'frameAncestors', flag: 'frame-ancestors', env: 'FRAME_ANCESTORS', default: [], parse: frameAncestors, description: "origins allowed to embed the web app in a frame (comma-separated, or 'self'); none by default" }),
] as const;

/** Settings that only make sense together. */
function checkCombinations(config: ServerConfig): void {
  if (config.turnUrls.length > 0 && config.turnSecret === '') {
    throw new ConfigError('TURN_URLS is set but TURN_SECRET is empty: TURN credentials cannot be made without the shared secret');
  }
  if (config.sessionSecret !== '' && config.sessionSecret.length < 16) {
    throw new ConfigError('SESSION_SECRET must be at least 16 characters (use e.g. `openssl rand -hex 32`)');
  }
  if (config.jwtSecret !== '' && config.jwtSecret.length < 32) {
    throw new ConfigError('JWT_SECRET must be at least 32 characters: HS256 needs 256 bits (use e.g. `openssl rand -hex 32`)');
  }
  if (config.turnSecret !== '' && config.turnSecret.length < 16) {
    throw new ConfigError('TURN_SECRET must be at least 16 characters (use e.g. `openssl rand -hex 32`)');
  }
}

export const DEFAULT_CONFIG: ServerConfig = Object.fromEntries(
  OPTIONS.map((spec) => [spec.key, spec.default]),
) as unknown as ServerConfig;

/**
 * Reads settings from command-line flags, then environment variables, then
 * defaults. Throws ConfigError on the first bad value or unknown flag.
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ServerConfig {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: Object.fromEntries(OPTIONS.map((spec) => [spec.flag, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const config: Record<string, unknown> = {};
  for (const spec of OPTIONS) {
    const fromFlag = values[spec.flag];
    const fromEnv = env[spec.env];
    if (typeof fromFlag === 'string') {
      config[spec.key] = spec.parse(fromFlag, `--${spec.flag}`);
    } else if (fromEnv !== undefined && fromEnv !== '') {
      config[spec.key] = spec.parse(fromEnv, spec.env);
    } else {
      config[spec.key] = spec.default;
    }
  }
  checkCombinations(config as unknown as ServerConfig);
  return config as unknown as ServerConfig;
}

function shownDefault(spec: (typeof OPTIONS)[number]): string {
  if (spec.shownDefault !== undefined) return spec.shownDefault;
  const value: unknown = spec.default;
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.join(',');
  if (value === '') return '(none)';
  return String(value);
}

/**
 * The configuration reference as a Markdown table (docs/configuration.md is
 * this text; a test keeps them equal, `npm run docs:config` rewrites it).
 */
export function configurationReference(): string {
  const rows = OPTIONS.map((spec) => {
    const meaning = spec.description.replaceAll('|', '\\|');
    return `| \`${spec.env}\` | \`--${spec.flag}\` | \`${shownDefault(spec)}\` | ${meaning} |`;
  });
  return ['| environment variable | flag | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

export function describeOptions(): string {
  return OPTIONS.map(
    (spec) => `  --${spec.flag} <value>  (${spec.env}, default ${shownDefault(spec)})\n      ${spec.description}`,
  ).join('\n');
}
