import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/**
 * Log text held while stdout is slow to take it; past this, lines are dropped
 * (the calls go on) rather than the server's memory growing without bound.
 */
const MAX_UNWRITTEN_LOG_BYTES = 16 * 1024 * 1024;
/**
 * Lines are gathered into writes of at least this much, or whatever has
 * gathered every LOG_FLUSH_EVERY_MS: under 500 joins a second, one write per
 * ~20 lines instead of one per line, and a quiet server's line is out within
 * a quarter of a second.
 */
const MIN_LOG_WRITE_BYTES = 4096;
const LOG_FLUSH_EVERY_MS = 250;

/**
 * JSON logs, one line an event. SDP, candidates and tokens are never logged at
 * info: they carry addresses and secrets; log ids and counts instead.
 *
 * Lines are written to stdout asynchronously and in batches. A synchronous
 * write blocks the event loop whenever the reader of the pipe (journald, a
 * container runtime) is behind: under 500 joins a second that was a fifth of
 * the server's CPU per connection and it held every call's signals waiting
 * behind it; one asynchronous write per line still cost ~75 µs a join. Buffered
 * lines are written out when the process exits, even on an uncaught error
 * (pino flushes on `exit`); a SIGKILL loses at most the last quarter second.
 */
export function createLogger(level: LogLevel): Logger {
  // Nothing to write, so no destination and no flush timer (test servers).
  if (level === 'silent') return pino({ level });
  return pino(
    { level, base: { service: 'parley-server' } },
    pino.destination({ dest: 1, sync: false, minLength: MIN_LOG_WRITE_BYTES, periodicFlush: LOG_FLUSH_EVERY_MS, maxLength: MAX_UNWRITTEN_LOG_BYTES }),
  );
}
