import type { Browser, Page } from '@playwright/test';
import { ParleyProcess } from '@parley/testbed';
import { BenchPages } from './BenchPages.js';
import { summarize, type Summary } from './stats.js';

export interface FirstFrameResult {
  runs: number;
  series: { name: string; label: string; summary: Summary }[];
}

/**
 * In the Parley page: note when "Join" is clicked and when the first remote
 * frame is presented (requestVideoFrameCallback on any tile that is not ours).
 */
function instrumentParley(): void {
  const marks = { clickedAt: 0, firstFrameAt: 0 };
  (window as unknown as { __bench: typeof marks }).__bench = marks;
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
          if (video.videoWidth > 0 && marks.firstFrameAt === 0) marks.firstFrameAt = Date.now();
          else if (marks.firstFrameAt === 0) wait();
        });
      wait();
    }
  }).observe(document, { subtree: true, childList: true });
}

async function newPage(browser: Browser): Promise<Page> {
  return (await browser.newContext()).newPage();
}

async function parleyRun(browser: Browser, server: ParleyProcess, run: number): Promise<number> {
  const room = `bench-${process.pid}-${run}`;
  const pages = [await newPage(browser), await newPage(browser)];
  try {
    for (const page of pages) await page.addInitScript(instrumentParley);
    const [ada, bob] = pages as [Page, Page];
    for (const [page, name] of [[ada, 'Ada'], [bob, 'Bob']] as const) {
      await page.goto(server.roomUrl(room));
      await page.getByRole('textbox', { name: 'Your name' }).fill(name);
      await page.getByRole('button', { name: 'Join', exact: true }).waitFor();
    }
    await ada.getByRole('button', { name: 'Join', exact: true }).click();
    await ada.getByRole('group', { name: 'Ada (you)' }).waitFor();
    await bob.getByRole('button', { name: 'Join', exact: true }).click();
    const marks = () => Promise.all(pages.map((page) => page.evaluate(() => (window as unknown as { __bench: { clickedAt: number; firstFrameAt: number } }).__bench)));
    for (let waited = 0; waited < 20_000; waited += 10) {
      const [a, b] = await marks();
      if (a && b && a.firstFrameAt && b.firstFrameAt) return Math.max(a.firstFrameAt, b.firstFrameAt) - b.clickedAt;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('no remote frame within 20 s');
  } finally {
    await Promise.all(pages.map((page) => page.context().close()));
  }
}

async function limitRun(browser: Browser, pages: BenchPages): Promise<number> {
  const page = await newPage(browser);
  try {
    await page.goto(`${pages.url}/limit.html`);
    await page.waitForFunction(() => 'runLimit' in window);
    return await page.evaluate(() => (window as unknown as { runLimit: () => Promise<number> }).runLimit());
  } finally {
    await page.context().close();
  }
}

async function relayRun(browser: Browser, pages: BenchPages): Promise<number> {
  const [a, b] = [await newPage(browser), await newPage(browser)];
  type RelayWindow = { runRelayPeer: (url: string, offerer: boolean) => Promise<void>; relayStart: () => number; relayFirstFrame: Promise<number>; relayClose: () => void };
  try {
    for (const [page, offerer] of [[a, true], [b, false]] as const) {
      await page.goto(`${pages.url}/relay.html`);
      await page.waitForFunction(() => 'runRelayPeer' in window);
      await page.evaluate(([url, offerer]) => (window as unknown as RelayWindow).runRelayPeer(url, offerer), [pages.relayUrl, offerer] as const);
    }
    const start = await b.evaluate(() => (window as unknown as RelayWindow).relayStart());
    const frames = await Promise.all([a, b].map((page) => page.evaluate(() => (window as unknown as RelayWindow).relayFirstFrame)));
    for (const page of [a, b]) await page.evaluate(() => (window as unknown as RelayWindow).relayClose());
    return Math.max(...frames) - start;
  } finally {
    await Promise.all([a, b].map((page) => page.context().close()));
  }
}

/**
 * Time to first remote frame, alternating the systems run by run so that
 * whatever else the machine does falls on all of them alike.
 */
export async function benchFirstFrame(browser: Browser, runs: number, log: (line: string) => void): Promise<FirstFrameResult> {
  const server = await ParleyProcess.start({ LOG_LEVEL: 'warn' });
  const pages = await BenchPages.start();
  const times = { parley: [] as number[], limit: [] as number[], relay: [] as number[] };
  try {
    for (let run = 0; run < runs; run++) {
      times.parley.push(await parleyRun(browser, server, run));
      times.limit.push(await limitRun(browser, pages));
      times.relay.push(await relayRun(browser, pages));
      log(`run ${run + 1}/${runs}: parley ${times.parley.at(-1)} ms, limit ${Math.round(times.limit.at(-1) ?? 0)} ms, bare relay ${times.relay.at(-1)} ms`);
    }
  } finally {
    await pages.stop();
    await server.kill('SIGTERM');
  }
  return {
    runs,
    series: [
      { name: 'parley', label: 'Parley (web app, from the click on Join)', summary: summarize(times.parley) },
      { name: 'limit', label: 'Limit: two RTCPeerConnections in one page', summary: summarize(times.limit) },
      { name: 'relay', label: 'Minimal two-page call over a bare ws relay', summary: summarize(times.relay) },
    ],
  };
}
