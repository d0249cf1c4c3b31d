import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/**
 * JSON logs, one line an event. SDP, candidates and tokens are never logged at
 * info: they carry addresses and secrets; log ids and counts instead.
 */
export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { service: 'parley-server' } });
}
