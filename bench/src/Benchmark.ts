import type { Browser } from '@playwright/test';

/**
 * One benchmark's part of docs/benchmarks.md: its own markdown (heading,
 * method, table with machine and ratios, what the gaps are) and the charts it
 * drew. `npm run bench` puts the sections in the order of BENCHMARKS; running
 * one benchmark alone replaces only its own section and leaves the others.
 */
export interface BenchSection {
  /** Markdown, starting with a level-2 heading. Charts are linked as `bench/<file>`. */
  markdown: string;
  /** SVG charts, written to docs/bench/<file>. */
  charts: { file: string; svg: string }[];
}

export interface BenchContext {
  /** How many runs per system (the benchmark may cap it where one run is long). */
  runs: number;
  /** The shared Chromium, launched on first use; a benchmark that needs its own browsers launches them itself. */
  browser(): Promise<Browser>;
  log(line: string): void;
}

export interface Benchmark {
  /** The name on the command line (`npm run bench -- <id>`) and of its section in docs/benchmarks.md. */
  id: string;
  /** What `--help` says about it. */
  summary: string;
  run(context: BenchContext): Promise<BenchSection>;
}
