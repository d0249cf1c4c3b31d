import type { Browser, BrowserContext, Page } from '@playwright/test';
import type { ParleyProcess } from '@parley/testbed';

/** What the instrumented page records (window.__bench). */
export interface ParleyMarks {
  /** Date.now() of the click on "Join". */
  clickedAt: number;
  /** Per remote tile (its label, the participant's name): Date.now() of its first presented frame. */
  firstFrames: Record<string, number>;
}

/**
 * Runs in the Parley page before the app: notes the click on "Join" and, per
 * remote tile, when its first frame is presented (requestVideoFrameCallback);
 * and keeps every RTCPeerConnection the app makes (a subclass that changes no
 * behaviour) so a benchmark can read getStats().
 */
function instrumentParley(): void {
  const marks: ParleyMarks = { clickedAt: 0, firstFrames: {} };
  const pcs: RTCPeerConnection[] = [];
  Object.assign(window, { __bench: marks, __benchPcs: pcs });
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      pcs.push(this);
    }
  };
  document.addEventListener(
    'click',
    (event) => {
      const button = (event.target as Element | null)?.closest('button');
      if (button?.textContent?.trim() === 'Join') marks.clickedAt = Date.now();
    },
    true,
  );
  const watched = new WeakSet<HTMLVideoElement>();
  new MutationObserver(() => {
    for (const video of Array.from(document.querySelectorAll<HTMLVideoElement>('section[role="group"] video'))) {
      const label = video.closest('section')?.getAttribute('aria-label') ?? '';
      if (label.endsWith('(you)') || label === 'You' || watched.has(video)) continue;
      watched.add(video);
      const wait = () =>
        video.requestVideoFrameCallback(() => {
          if (video.videoWidth > 0) marks.firstFrames[label] ??= Date.now();
          else wait();
        });
      wait();
    }
  }).observe(document, { subtree: true, childList: true });
}

/** One person in the Parley web app, from the room link through the pre-join screen. */
export class ParleyPerson {
  private constructor(
    readonly page: Page,
    readonly name: string,
  ) {}

  /** Opens the room link in a fresh context of `browser`, types the name, and waits at "Join". */
  static async open(browser: Browser, server: ParleyProcess, room: string, name: string): Promise<ParleyPerson> {
    const context: BrowserContext = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    const page = await context.newPage();
    await page.addInitScript(instrumentParley);
    await page.goto(server.roomUrl(room));
    await page.getByRole('textbox', { name: 'Your name' }).fill(name);
    await page.getByRole('button', { name: 'Join', exact: true }).waitFor();
    // The button is enabled once the camera has started.
    await page.waitForFunction(() => {
      const button = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Join');
      return button !== undefined && !button.disabled;
    });
    return new ParleyPerson(page, name);
  }

  async clickJoin(): Promise<void> {
    await this.page.getByRole('button', { name: 'Join', exact: true }).click();
  }

  async waitInCall(): Promise<void> {
    await this.page.getByRole('group', { name: `${this.name} (you)` }).waitFor();
  }

  marks(): Promise<ParleyMarks> {
    return this.page.evaluate(() => (window as unknown as { __bench: ParleyMarks }).__bench);
  }

  /** Bytes sent so far over every peer connection of the page (outbound RTP, audio and video). */
  bytesSent(): Promise<number> {
    return this.page.evaluate(async () => {
      let total = 0;
      for (const pc of (window as unknown as { __benchPcs: RTCPeerConnection[] }).__benchPcs) {
        if (pc.connectionState === 'closed') continue;
        (await pc.getStats()).forEach((report: Record<string, unknown>) => {
          if (report['type'] === 'outbound-rtp') total += Number(report['bytesSent'] ?? 0);
        });
      }
      return total;
    });
  }

  async close(): Promise<void> {
    await this.page.context().close();
  }
}

/**
 * Polls until every one of `people` shows a first frame from each of the
 * others; returns the time the last of those frames came (Date.now()).
 */
export async function everyPairShowsVideo(people: readonly ParleyPerson[], timeoutMs = 20_000): Promise<number> {
  for (let waited = 0; waited < timeoutMs; waited += 10) {
    const marks = await Promise.all(people.map((person) => person.marks()));
    const complete = marks.every((mark, i) =>
      people.every((other, j) => i === j || mark.firstFrames[other.name] !== undefined),
    );
    if (complete) return Math.max(...marks.flatMap((mark) => Object.values(mark.firstFrames)));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`not every pair showed video within ${timeoutMs / 1000} s`);
}
