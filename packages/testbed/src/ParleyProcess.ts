import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isRunning, stopChild } from './stopChild.js';

const LOG_TAIL_CHARS = 64 * 1024;
const SERVER_MAIN = fileURLToPath(new URL('../../server/dist/main.js', import.meta.url));

/**
 * The real Parley server as its own process, the way a person runs it, so a
 * test can kill it mid-call. It listens on a free port and we read the URL it logs.
 */
export class ParleyProcess {
  #output = '';

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {}

  /**
   * Starts on a free port of `host`; inside network namespace `netns` when
   * given. `nodeArgs` go to node itself (e.g. `--cpu-prof`, which NODE_OPTIONS refuses).
   */
  static async start(env: Record<string, string> = {}, where: { netns?: string; host?: string; port?: number } = {}, nodeArgs: readonly string[] = []): Promise<ParleyProcess> {
    const args = [...nodeArgs, SERVER_MAIN, '--port', String(where.port ?? 0), '--host', where.host ?? '127.0.0.1'];
    const [command, commandArgs] = where.netns
      ? ['ip', ['netns', 'exec', where.netns, process.execPath, ...args]]
      : [process.execPath, args];
    const child = spawn(command, commandArgs, {
      env: { ...process.env, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        // Never leave a server behind that we could not talk to.
        child.kill('SIGKILL');
        reject(new Error(`server did not start:\n${output}`));
      }, 15_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        // The JSON log line at info level, or the plain line printed when logs are quieter.
        const match = /"url":"(http:\/\/[^"]+)"|Parley on (http:\/\/\S+)/.exec(output);
        const url = match?.[1] ?? match?.[2];
        if (url) {
          clearTimeout(timer);
          resolve(url);
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code}:\n${output}`));
      });
    });
    // Keep draining the pipes so a chatty server never blocks on a full buffer; the tail is kept for failure messages.
    const parley = new ParleyProcess(child, url);
    parley.#output = output.slice(-LOG_TAIL_CHARS);
    const keep = (chunk: Buffer) => (parley.#output = (parley.#output + chunk.toString()).slice(-LOG_TAIL_CHARS));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    return parley;
  }

  /** The last lines the server printed (its JSON logs): for test failure messages. */
  get log(): string {
    return this.#output;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  roomUrl(room: string): string {
    return `${this.url}/r/${room}`;
  }

  get running(): boolean {
    return isRunning(this.child);
  }

  /** Kills the process by its PID, the way a crash or `kill -9` would. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    // No SIGKILL fallback: a test that sends SIGTERM is watching the graceful shutdown it starts.
    await stopChild(this.child, { signal, killAfterMs: null });
  }
}
