import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/**
 * Log text held while stdout is slow to take it; past this, lines are dropped
 * (the calls go on) rather than the server's memory growing without bound.
 */
const MAX_UNWRITTEN_LOG_BYTES = 16 * 1024 * 1024;

/**
 * JSON logs, one line an event. SDP, candidates and tokens are never logged at
 * info: they carry addresses and secrets; log ids and counts instead.
 *
 * Lines are written to stdout asynchronously. A synchronous write blocks the
 * event loop whenever the reader of the pipe (journald, a container runtime)
 * is behind: under 500 joins a second that was a fifth of the server's CPU per
 * connection and it held every call's signals waiting behind it. Buffered
 * lines are written out when the process exits, even on an uncaught error
 * (pino flushes on `exit`); only a SIGKILL loses the last few milliseconds.
 */
export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { service: 'parley-server' } }, pino.destination({ dest: 1, sync: false, maxLength: MAX_UNWRITTEN_LOG_BYTES }));
}
