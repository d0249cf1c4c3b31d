import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** True until the process has exited or been killed by a signal. */
export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export interface StopOptions {
  /** The first signal sent (default SIGTERM, so the process can clean up). */
  signal?: NodeJS.Signals;
  /** After this long still running, SIGKILL (default 3 s); null: wait for the first signal to work. */
  killAfterMs?: number | null;
  /** Send SIGCONT first, for a process a test may have frozen with SIGSTOP (a stopped process ignores SIGTERM until it runs). */
  thawFirst?: boolean;
}

/**
 * Stops a process this test bed started, by its PID — never by name, so
 * nothing else on the machine is touched — and waits until it has exited.
 * Safe to call on a process that is already gone.
 */
export async function stopChild(child: ChildProcess, { signal = 'SIGTERM', killAfterMs = 3_000, thawFirst = false }: StopOptions = {}): Promise<void> {
  if (!isRunning(child) || child.pid === undefined) return;
  const pid = child.pid;
  const exited = once(child, 'exit');
  if (thawFirst) process.kill(pid, 'SIGCONT');
  process.kill(pid, signal);
  const timer = signal === 'SIGKILL' || killAfterMs === null ? undefined : setTimeout(() => isRunning(child) && process.kill(pid, 'SIGKILL'), killAfterMs);
  await exited;
  clearTimeout(timer);
}
