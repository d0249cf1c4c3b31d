import { readFile, rename, writeFile } from 'node:fs/promises';

/** When each step of one Parley transfer happened, in ms after the click on "Accept". */
export interface ParleyPhases {
  /** The sender's channel is open and it starts sending. */
  open: number;
  /** The sender has handed its last byte to the channel and its digest is done. */
  sent: number;
  /** The receiver has every byte and the end frame. */
  received: number;
  /** The receiver has stored the file and verified the digest. */
  complete: number;
}

/** One measured transfer: its rate and the cores the bench's process tree used meanwhile. */
export interface KeptRun {
  mibPerSecond: number;
  cores: number;
  /** Parley runs only. */
  phases?: ParleyPhases;
}

/** Every run kept so far, per series, for one file size. */
export interface FileTransferResults {
  fileMib: number;
  video: KeptRun[];
  audio: KeptRun[];
  limit: KeptRun[];
}

function isRun(value: unknown): value is KeptRun {
  const run = value as Partial<KeptRun> | null;
  if (typeof run !== 'object' || run === null || typeof run.mibPerSecond !== 'number' || typeof run.cores !== 'number') return false;
  const phases = run.phases as Partial<Record<keyof ParleyPhases, unknown>> | undefined;
  return phases === undefined || (['open', 'sent', 'received', 'complete'] as const).every((key) => typeof phases[key] === 'number');
}

/**
 * BENCH_FILE_RESULTS=<file>: the runs measured so far, so that several short
 * invocations (each under the machine's lock, a few runs each) add up to one
 * table. No file yet: nothing measured. A file kept for another size is an
 * error, not a mix.
 */
export async function loadFileResults(path: string | undefined, fileMib: number): Promise<FileTransferResults> {
  const empty: FileTransferResults = { fileMib, video: [], audio: [], limit: [] };
  if (path === undefined) return empty;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return empty;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<Record<keyof FileTransferResults, unknown>>;
  if (parsed.fileMib !== fileMib) throw new Error(`${path} keeps runs of ${String(parsed.fileMib)} MiB, not ${fileMib}: use another file`);
  for (const series of ['video', 'audio', 'limit'] as const) {
    const runs = parsed[series];
    if (!Array.isArray(runs) || !runs.every(isRun)) throw new Error(`${path}: ${series} is not a list of runs`);
    empty[series] = runs;
  }
  return empty;
}

/** Written whole to a temp file, then renamed: a run stopped halfway never leaves a truncated file. */
export async function saveFileResults(path: string | undefined, results: FileTransferResults): Promise<void> {
  if (path === undefined) return;
  await writeFile(`${path}.tmp`, `${JSON.stringify(results)}\n`);
  await rename(`${path}.tmp`, path);
}
