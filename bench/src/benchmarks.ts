import type { Benchmark } from './Benchmark.js';
import { fileTransfer } from './fileTransfer.js';
import { firstFrame } from './firstFrame.js';
import { meshCost } from './meshCost.js';

/** Every benchmark, in the order of docs/benchmarks.md. A new one adds itself here. */
export const BENCHMARKS: readonly Benchmark[] = [firstFrame, fileTransfer, meshCost];
