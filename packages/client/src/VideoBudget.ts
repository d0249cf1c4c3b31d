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

/**
 * While a file moves: at most the budget of a mesh of four (480x270 at 15
 * fps, 350 kbit/s from a 960x540 camera). On a 2-core machine data channels
 * are CPU-bound and the camera's encoders and decoders run on the same cores;
 * at this size the face stays recognisable and the call watchable, and the
 * full budget comes back when the last transfer ends.
 */
export const FILE_MOVING_BUDGET: VideoBudget = BUDGETS[3]!;

/** `budget`, made no larger than FILE_MOVING_BUDGET on any side. */
export function whileFileMoves(budget: VideoBudget): VideoBudget {
  return {
    scaleResolutionDownBy: Math.max(budget.scaleResolutionDownBy, FILE_MOVING_BUDGET.scaleResolutionDownBy),
    maxFramerate: Math.min(budget.maxFramerate, FILE_MOVING_BUDGET.maxFramerate),
    maxBitrate: Math.min(budget.maxBitrate, FILE_MOVING_BUDGET.maxBitrate),
  };
}

export function sameBudget(a: VideoBudget, b: VideoBudget): boolean {
  return a.scaleResolutionDownBy === b.scaleResolutionDownBy && a.maxFramerate === b.maxFramerate && a.maxBitrate === b.maxBitrate;
}

/**
 * How much a new link's camera stream is scaled down at least until its first
 * frames are out. libwebrtc holds back the first frames of a stream larger
 * than its starting bandwidth estimate allows: it drops them and scales down
 * step by step. Measured here with 960x540 capture, the first remote frame
 * came at 320x180 after 0.5 to 1 s of that, and starting at 640x360 still
 * went through a step or two. Starting at the size it ended on (960x540 / 3)
 * brought the first frame 0.1-0.3 s after "connected" (sometimes one step
 * smaller still); the full budget follows once frames are out (see PeerLink).
 */
export const START_SCALE_DOWN = 3;

/** The budget a link's camera stream starts with: `budget`, but no larger than START_SCALE_DOWN allows. */
export function startingBudget(budget: VideoBudget): VideoBudget {
  return { ...budget, scaleResolutionDownBy: Math.max(budget.scaleResolutionDownBy, START_SCALE_DOWN) };
}
