import { DEFAULT_CONFIG, createLogger, startParleyServer, type RunningServer, type ServerConfig } from '@parley/server';

/**
 * A real server on a free loopback port, quiet unless PARLEY_TEST_LOG is set.
 * Resuming is off unless a test asks for it, so a closed socket leaves at once.
 */
export async function startTestServer(overrides: Partial<ServerConfig> = {}): Promise<RunningServer & { wsUrl: string }> {
  const config: ServerConfig = { ...DEFAULT_CONFIG, port: 0, host: '127.0.0.1', staticDir: '', resumeWindowMs: 0, ...overrides };
  const server = await startParleyServer(config, createLogger(process.env.PARLEY_TEST_LOG ? 'debug' : 'silent'));
  return Object.assign(server, { wsUrl: `${server.url.replace('http', 'ws')}/ws` });
}
