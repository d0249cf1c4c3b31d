import type { Page } from '@playwright/test';

/**
 * One video frame a page put on screen, as requestVideoFrameCallback saw it.
 * Times are wall-clock ms (performance.timeOrigin + the page's clock), so
 * they line up with the test's Date.now().
 */
export interface ShownFrame {
  /** The tile's label: whose video this is. */
  who: string;
  /** When the callback ran, just after the frame was composited. */
  shownAt: number;
  /** When the last packet of the frame arrived (WebRTC sources only; 0 if the browser did not say). */
  receivedAt: number;
  rtpTimestamp: number;
  /** Frames the element has presented so far: a step of more than one means frames were skipped. */
  presented: number;
  /** Decode time as the browser reports it, ms (0 if not given). */
  decodeMs: number;
}

/**
 * Logs every frame each remote video tile shows, from requestVideoFrameCallback,
 * until the page closes. Together with the getStats trace (linkTrace) it
 * tells where a slow recovery's time went: a frame received long before it
 * was shown was held in the receiver's jitter buffer, not lost on the way.
 *
 * Video elements are picked up as they appear (a scan every 500 ms: React
 * may replace an element when a tile re-renders), each once. Our own tile is
 * skipped. The callback copies five numbers per frame: cheap at 20 fps.
 */
export async function startFrameLog(page: Page): Promise<void> {
  await page.evaluate(() => {
    const frames: ShownFrame[] = [];
    (window as unknown as { __frameLog: ShownFrame[] }).__frameLog = frames;
    const watched = new WeakSet<HTMLVideoElement>();
    const origin = performance.timeOrigin;
    const watch = (video: HTMLVideoElement, who: string) => {
      const onFrame = (now: number, meta: VideoFrameCallbackMetadata) => {
        // A detached element shows nothing more; the scan picks up its replacement.
        if (!video.isConnected) return;
        const extra = meta as VideoFrameCallbackMetadata & { receiveTime?: number; rtpTimestamp?: number; processingDuration?: number };
        frames.push({
          who,
          shownAt: origin + now,
          receivedAt: extra.receiveTime === undefined ? 0 : origin + extra.receiveTime,
          rtpTimestamp: extra.rtpTimestamp ?? 0,
          presented: meta.presentedFrames,
          decodeMs: (extra.processingDuration ?? 0) * 1_000,
        });
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
    };
    const scan = () => {
      for (const video of document.querySelectorAll('video')) {
        const who = video.closest('[role="group"]')?.getAttribute('aria-label') ?? '';
        if (watched.has(video) || who === '' || who.endsWith('(you)')) continue;
        watched.add(video);
        watch(video, who);
      }
      setTimeout(scan, 500);
    };
    scan();
  });
}

export async function shownFrames(page: Page): Promise<ShownFrame[]> {
  return page.evaluate(() => (window as unknown as { __frameLog: ShownFrame[] }).__frameLog);
}

/**
 * The frames shown from `from` to `to` as lines of text, times relative to
 * `zero`: when each was received and shown, how long it was held between the
 * two, and how far its RTP timestamp moved from the previous frame's (90 kHz
 * clock: a jump of seconds is a frame captured before the drop).
 */
export function formatFrames(frames: readonly ShownFrame[], zero: number, from: number, to: number): string[] {
  const lines = ['   shown ms  received ms  held ms  rtp step ms  skipped  decode ms  whose'];
  const pad = (value: number | string, width: number) => String(value).padStart(width);
  const previous = new Map<string, ShownFrame>();
  for (const frame of frames) {
    const before = previous.get(frame.who);
    previous.set(frame.who, frame);
    if (frame.shownAt < from || frame.shownAt > to) continue;
    const received = frame.receivedAt > 0 ? Math.round(frame.receivedAt - zero) : '?';
    const held = frame.receivedAt > 0 ? Math.round(frame.shownAt - frame.receivedAt) : '?';
    const step = before === undefined ? '' : Math.round(rtpStep(before.rtpTimestamp, frame.rtpTimestamp) / 90);
    const skipped = before === undefined ? '' : frame.presented - before.presented - 1;
    lines.push(
      `${pad(Math.round(frame.shownAt - zero), 9)}  ${pad(received, 11)}  ${pad(held, 7)}  ${pad(step, 11)}  ${pad(skipped, 7)}  ${pad(frame.decodeMs.toFixed(1), 9)}  ${frame.who}`,
    );
  }
  return lines;
}

/** How far an RTP timestamp moved, in clock ticks: they are 32-bit and wrap, so the step is taken modulo 2^32 as a signed value. */
function rtpStep(from: number, to: number): number {
  const span = 2 ** 32;
  return ((((to - from) % span) + span + span / 2) % span) - span / 2;
}

/**
 * The first frame of `who` shown after `since`, if any: when it arrived and
 * when it was shown, relative to `since`. A one-line answer to "was the
 * recovery slow on the way, or in the receiver?".
 */
export function firstShownAfter(frames: readonly ShownFrame[], who: string, since: number): { receivedMs: number | null; shownMs: number } | null {
  const frame = frames.find((f) => f.who === who && f.shownAt > since);
  if (!frame) return null;
  return { receivedMs: frame.receivedAt > 0 ? Math.round(frame.receivedAt - since) : null, shownMs: Math.round(frame.shownAt - since) };
}

/**
 * After an outage: how many frames of `who` captured during it were shown
 * once the network was back (the receiver asked for what it had missed and
 * got it retransmitted), and when the first frame captured around or after
 * the return was shown. A frame's capture time is told from its RTP
 * timestamp's advance over the last frame shown before the cut (90 kHz); a
 * frame counts as fresh when it was captured at most `slackMs` before the
 * return. framesDecoded alone cannot tell the two apart: stale frames
 * decoded at the return look like media back while the picture then
 * freezes until the fresh ones are let through.
 */
export function recoveryAfter(
  frames: readonly ShownFrame[],
  who: string,
  cutAt: number,
  restoredAt: number,
  slackMs = 1_000,
): { staleShown: number; freshShownMs: number | null; freshReceivedMs: number | null } | null {
  const own = frames.filter((f) => f.who === who);
  const lastBefore = own.filter((f) => f.shownAt <= cutAt).at(-1);
  // Nothing shown before the cut (the tile was replaced meanwhile): no reference to tell the frames apart.
  if (!lastBefore) return null;
  let staleShown = 0;
  for (const frame of own) {
    if (frame.shownAt <= restoredAt) continue;
    const capturedAfterMs = rtpStep(lastBefore.rtpTimestamp, frame.rtpTimestamp) / 90;
    if (capturedAfterMs < restoredAt - lastBefore.shownAt - slackMs) {
      staleShown++;
      continue;
    }
    return {
      staleShown,
      freshShownMs: Math.round(frame.shownAt - restoredAt),
      freshReceivedMs: frame.receivedAt > 0 ? Math.round(frame.receivedAt - restoredAt) : null,
    };
  }
  return { staleShown, freshShownMs: null, freshReceivedMs: null };
}
