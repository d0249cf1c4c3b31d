import { readFile, rename, writeFile } from 'node:fs/promises';

/** The parts of the first-frame benchmark that can run on their own (BENCH_FIRST_FRAME_PARTS). */
export const FIRST_FRAME_PARTS = ['two', 'mesh3', 'mesh4'] as const;
export type FirstFramePart = (typeof FIRST_FRAME_PARTS)[number];

/** Times in ms, one per run, per system. */
export interface FirstFrameTimes {
  two: { parley: number[]; limit: number[]; limitStart: number[]; relay: number[]; relayStart: number[]; peerjs: number[] };
  mesh3: { parley: number[]; relay: number[] };
  mesh4: { parley: number[]; relay: number[] };
  /** How many invocations of the benchmark measured these (each one a fresh browser, server and pages). */
  sessions: number;
}

export function emptyTimes(): FirstFrameTimes {
  return { two: { parley: [], limit: [], limitStart: [], relay: [], relayStart: [], peerjs: [] }, mesh3: { parley: [], relay: [] }, mesh4: { parley: [], relay: [] }, sessions: 0 };
}

/**
 * BENCH_FIRST_FRAME_PARTS: which parts run ("two,mesh3", say); all of them
 * when unset; "none" runs nothing and only writes the report again. A full first-frame run is longer than one turn on the shared
 * machine's heavy lock should be: the parts can run in separate turns.
 */
export function parseParts(text: string | undefined): ReadonlySet<FirstFramePart> {
  if (text === undefined || text.trim() === '') return new Set(FIRST_FRAME_PARTS);
  // Measures nothing: the section is written again from BENCH_FIRST_FRAME_RESULTS.
  if (text.trim() === 'none') return new Set();
  const names = text.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(FIRST_FRAME_PARTS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`BENCH_FIRST_FRAME_PARTS takes ${FIRST_FRAME_PARTS.join(', ')} (comma-separated) or none, not "${unknown.join(', ')}"`);
  return new Set(names as FirstFramePart[]);
}

function isNumbers(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isFinite(v));
}

/** Series added after files were kept: a file from before has none of their times, which is not an error. */
const LATER_SERIES: ReadonlySet<string> = new Set(['two.relayStart']);

/** A file written by saveTimes, checked field by field: a wrong file is an error, never half-read. */
function parseTimes(text: string, path: string): FirstFrameTimes {
  const parsed: unknown = JSON.parse(text);
  const times = emptyTimes();
  const source = parsed as Record<string, Record<string, unknown> | undefined> & { sessions?: unknown };
  for (const part of FIRST_FRAME_PARTS) {
    const target = times[part] as Record<string, number[]>;
    for (const system of Object.keys(target)) {
      const values = source[part]?.[system] ?? (LATER_SERIES.has(`${part}.${system}`) ? [] : undefined);
      if (!isNumbers(values)) throw new Error(`${path}: ${part}.${system} is not a list of times`);
      target[system] = values;
    }
  }
  if (typeof source.sessions !== 'number' || !Number.isInteger(source.sessions)) throw new Error(`${path}: sessions is not a whole number`);
  times.sessions = source.sessions;
  return times;
}

/**
 * BENCH_FIRST_FRAME_RESULTS=<file>: the times measured so far, so that
 * several shorter runs add up to one table. No file yet: nothing measured.
 */
export async function loadTimes(path: string | undefined): Promise<FirstFrameTimes> {
  if (path === undefined) return emptyTimes();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyTimes();
    throw error;
  }
  return parseTimes(text, path);
}

/** Written whole to a temp file, then renamed: a run stopped halfway never leaves a truncated file. */
export async function saveTimes(path: string | undefined, times: FirstFrameTimes): Promise<void> {
  if (path === undefined) return;
  await writeFile(`${path}.tmp`, `${JSON.stringify(times)}\n`);
  await rename(`${path}.tmp`, path);
}
