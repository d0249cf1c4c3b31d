/**
 * What one camera stream may cost, given how many people we send it to. In a
 * mesh every remote participant gets a stream of its own, encoded separately:
 * four people means three encoders in each browser and three decoders, which
 * saturate a 2-core laptop at full size (measured: the transfer of a file
 * between three people slowed to a crawl while three 960x540 encoders ran).
 * The tiles get smaller as the grid fills, so the pixels are not missed.
 */
export interface VideoBudget {
  /** Divides both sides of the captured frame (960x540 by default). */
  scaleResolutionDownBy: number;
  maxFramerate: number;
  /** Bits per second. */
  maxBitrate: number;
}

/** Indexed by how many people receive our camera, capped at the last. */
const BUDGETS: readonly VideoBudget[] = [
  { scaleResolutionDownBy: 1, maxFramerate: 30, maxBitrate: 1_200_000 },
  { scaleResolutionDownBy: 1, maxFramerate: 30, maxBitrate: 1_200_000 },
  { scaleResolutionDownBy: 1.5, maxFramerate: 20, maxBitrate: 600_000 },
  { scaleResolutionDownBy: 2, maxFramerate: 15, maxBitrate: 350_000 },
  { scaleResolutionDownBy: 3, maxFramerate: 12, maxBitrate: 200_000 },
];

export function cameraBudget(receivers: number): VideoBudget {
  return BUDGETS[Math.min(Math.max(receivers, 0), BUDGETS.length - 1)]!;
}

export function sameBudget(a: VideoBudget, b: VideoBudget): boolean {
  return a.scaleResolutionDownBy === b.scaleResolutionDownBy && a.maxFramerate === b.maxFramerate && a.maxBitrate === b.maxBitrate;
}
