import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux everywhere that matters). */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, in ticks. */
  ticks: number;
}

/** /proc/<pid>/stat of every process now; ones that vanish while read are skipped. */
function allProcesses(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: fields start after the last ')'.
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      stats.push({ pid: Number(entry), ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // Gone between readdir and read: it used nothing more we could count.
    }
  }
  return stats;
}

/** The direct children of `pid`. */
export function childrenOf(pid: number): number[] {
  return allProcesses()
    .filter((p) => p.ppid === pid)
    .map((p) => p.pid);
}

/** Total CPU ticks of `root` and all its descendants now, per pid. */
function treeTicks(root: number): Map<number, number> {
  const processes = allProcesses();
  const children = new Map<number, ProcStat[]>();
  for (const p of processes) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const ticks = new Map<number, number>();
  const self = processes.find((p) => p.pid === root);
  const queue = self ? [self] : [];
  // A process tree is finite and has no cycles; the bound only guards a corrupt read.
  for (let i = 0; i < queue.length && i < 10_000; i++) {
    const p = queue[i] as ProcStat;
    ticks.set(p.pid, p.ticks);
    queue.push(...(children.get(p.pid) ?? []));
  }
  return ticks;
}

/**
 * CPU of a process tree over a window: call `start()`, wait, then `cores()`
 * gives the cores used on average (1 = one core busy all the time). Counts
 * per pid, so processes that start in the window count from zero.
 */
export class TreeCpu {
  #before = new Map<number, number>();
  #at = 0;

  constructor(readonly root: number) {}

  start(): void {
    this.#before = treeTicks(this.root);
    this.#at = performance.now();
  }

  cores(): number {
    const seconds = (performance.now() - this.#at) / 1000;
    let used = 0;
    for (const [pid, ticks] of treeTicks(this.root)) used += ticks - (this.#before.get(pid) ?? 0);
    return used / TICKS_PER_SECOND / seconds;
  }
}
