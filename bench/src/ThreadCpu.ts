import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (USER_HZ). */
const TICKS_PER_SECOND = 100;

/** One thread's CPU so far, with who it belongs to. */
interface ThreadTicks {
  /** "browser", "gpu", "network", "renderer 1234", ...: what Chromium (or Node) calls the process. */
  process: string;
  /** The thread's name (/proc/<pid>/task/<tid>/comm): CrRendererMain, WebRTC_Network, DedicatedWorker... */
  thread: string;
  ticks: number;
}

/** What the process is, from its command line: Chromium says it in --type and --utility-sub-type. */
function processLabel(pid: number): string {
  let argv: string[];
  try {
    // Processes forked from Chromium's zygote rewrite their title: one string, arguments joined by spaces.
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
  } catch {
    return `gone ${pid}`;
  }
  const flag = (name: string) => argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const type = flag('type');
  if (type === 'renderer') return `renderer ${pid}`;
  if (type === 'utility') {
    const sub = flag('utility-sub-type') ?? '';
    if (sub.includes('NetworkService')) return 'network';
    if (sub.includes('Storage')) return 'storage';
    return `utility ${sub}`;
  }
  if (type === 'gpu-process') return 'gpu';
  if (type) return type;
  const command = (argv[0] ?? '').split('/').at(-1) ?? '';
  return command.includes('chrom') ? 'browser' : command || `pid ${pid}`;
}

/** Every thread of `root` and its descendants, with utime + stime so far. */
function treeThreads(root: number): Map<string, ThreadTicks> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone between readdir and read.
    }
  }
  const tree = [root];
  // A process tree has no cycles; the bound only guards a corrupt read.
  for (let i = 0; i < tree.length && i < 10_000; i++) {
    for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  }
  const threads = new Map<string, ThreadTicks>();
  for (const pid of tree) {
    const process = processLabel(pid);
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const text = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
        const thread = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
        threads.set(`${pid}/${tid}`, { process, thread, ticks: Number(fields[11]) + Number(fields[12]) });
      } catch {
        // The thread ended between the listing and the read.
      }
    }
  }
  return threads;
}

/** CPU seconds of one (process, thread name) over a window. */
export interface ThreadUse {
  process: string;
  thread: string;
  seconds: number;
}

/**
 * CPU per thread of a process tree over a window, to see where a run's time
 * goes: `start()`, then `top()`. Threads of one name in one process (a
 * thread pool) add up; threads that start in the window count from zero.
 */
export class ThreadCpu {
  #before = new Map<string, ThreadTicks>();

  constructor(readonly root: number) {}

  start(): void {
    this.#before = treeThreads(this.root);
  }

  /** The `count` busiest (process, thread name) pairs, busiest first. */
  top(count: number): ThreadUse[] {
    const sums = new Map<string, ThreadUse>();
    for (const [key, now] of treeThreads(this.root)) {
      const used = (now.ticks - (this.#before.get(key)?.ticks ?? 0)) / TICKS_PER_SECOND;
      if (used <= 0) continue;
      const name = `${now.process}\0${now.thread}`;
      const sum = sums.get(name) ?? { process: now.process, thread: now.thread, seconds: 0 };
      sum.seconds += used;
      sums.set(name, sum);
    }
    return [...sums.values()].sort((a, b) => b.seconds - a.seconds).slice(0, count);
  }
}

/** "renderer 812/CrRendererMain 3.1 s, ..." on one line per thread, for a log. */
export function threadLines(uses: readonly ThreadUse[]): string[] {
  return uses.map((use) => `${use.seconds.toFixed(2).padStart(7)} s  ${use.process} / ${use.thread}`);
}
