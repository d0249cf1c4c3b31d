import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { raiseFileLimit } from './procStats.js';
import type { WorkerCommand, WorkerReport } from './workerMessages.js';

const WORKER = fileURLToPath(new URL('./loadWorker.js', import.meta.url));
const STOP_GRACE_MS = 3_000;

/** The load-generator processes of one measurement, each driven over IPC. */
export class LoadWorkers {
  private constructor(private readonly children: ChildProcess[]) {}

  static start(count: number): LoadWorkers {
    const children = Array.from({ length: count }, () => fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    for (const child of children) raiseFileLimit(child.pid as number);
    return new LoadWorkers(children);
  }

  get count(): number {
    return this.children.length;
  }

  /** Sends each worker its command and waits for each one's report of the given type. */
  async ask<T extends WorkerReport['type']>(commands: readonly WorkerCommand[], reply: T, timeoutMs: number): Promise<Extract<WorkerReport, { type: T }>[]> {
    const answers = this.children.map(
      (child) =>
        new Promise<Extract<WorkerReport, { type: T }>>((resolve, reject) => {
          const timer = setTimeout(() => {
            cleanup();
            reject(new Error(`load worker ${child.pid} did not answer "${reply}" within ${timeoutMs} ms`));
          }, timeoutMs);
          const onMessage = (message: WorkerReport) => {
            if (message.type !== reply) return;
            cleanup();
            resolve(message as Extract<WorkerReport, { type: T }>);
          };
          const onExit = (code: number | null) => {
            cleanup();
            reject(new Error(`load worker ${child.pid} exited with ${code}`));
          };
          const cleanup = () => {
            clearTimeout(timer);
            child.off('message', onMessage);
            child.off('exit', onExit);
          };
          child.on('message', onMessage);
          child.once('exit', onExit);
        }),
    );
    this.children.forEach((child, i) => child.send(commands[i] as WorkerCommand));
    return Promise.all(answers);
  }

  /** Asks each worker to close its sockets and exit; kills by PID any that does not. */
  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.send({ type: 'stop' } satisfies WorkerCommand);
        const timer = setTimeout(() => process.kill(child.pid as number, 'SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
