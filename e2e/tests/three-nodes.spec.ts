import type { Page } from '@playwright/test';
import { ParleyCluster } from '@parley/testbed';
import { expectEveryoneSeesEveryone, expectVideoFlowing, joinCall, linkStats, tile } from '../support/call.js';
import { mediaSamples, startMediaSampling } from '../support/mediaSampler.js';
import { expect, freshRoom, test } from '../support/fixtures.js';

/**
 * Three server processes on one real Redis behind a TCP balancer, as a
 * deployment runs them, with real browsers: people of one room on different
 * nodes call each other; a node dies and a Redis stall come and go.
 */

const NAMES = ['Ada', 'Bob', 'Cyd'] as const;

/** Each person enters through the balancer pinned to a node of their own, so the room spans all three. */
async function spreadCall(browser: import('@playwright/test').Browser, cluster: ParleyCluster, room: string): Promise<Page[]> {
  const pages: Page[] = [];
  for (const [index, name] of NAMES.entries()) {
    cluster.balancer.pin(index);
    pages.push(await joinCall(browser, cluster, room, name));
  }
  cluster.balancer.pin(null);
  await expectEveryoneSeesEveryone(pages, NAMES);
  return pages;
}

/** Watches, inside the page, whether a tile ever went missing (a leave/join flicker), every 100 ms. */
async function watchTiles(page: Page, names: readonly string[]): Promise<void> {
  await page.evaluate((watched) => {
    const missing: string[] = [];
    (window as unknown as { __missingTiles: string[] }).__missingTiles = missing;
    setInterval(() => {
      for (const name of watched) {
        if (!document.querySelector(`section[aria-label="${CSS.escape(name)}"]`) && !missing.includes(name)) missing.push(name);
      }
    }, 100);
  }, names);
}

async function missingTiles(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __missingTiles: string[] }).__missingTiles);
}

/** Participants each node holds, from its /healthz. */
async function participantsPerNode(cluster: ParleyCluster): Promise<number[]> {
  return Promise.all(
    cluster.nodes.map(async (node) => {
      if (!node.running) return -1;
      return ((await (await fetch(`${node.url}/healthz`)).json()) as { participants: number }).participants;
    }),
  );
}

/**
 * One cluster and one call spread over its three nodes serve both tests, in
 * this order: the Redis stall leaves every node and every link as it was
 * (the test checks that), so the node kill starts from the same spread call.
 * Setting the call up once saves a cluster start, three joins and six video checks.
 */
test.describe('three signaling nodes on Redis', () => {
  test.describe.configure({ mode: 'serial' });
  let cluster: ParleyCluster;
  let room: string;
  let pages: Page[];
  test.beforeAll(async ({ browser }) => {
    cluster = await ParleyCluster.start({ nodes: 3 });
    room = freshRoom();
    pages = await spreadCall(browser, cluster, room);
    for (const page of pages) await startMediaSampling(page);
  });
  test.afterAll(async () => {
    await Promise.all((pages ?? []).map((page) => page.context().close()));
    await cluster?.stop();
  });

  test('Redis stopped for 15 s mid-call: no node restarts, /healthz stays 200 and /readyz fails, the call goes on, and cross-node signaling is back within 5 s', async () => {
    test.setTimeout(180_000);
    expect(await participantsPerNode(cluster)).toEqual([1, 1, 1]);
    const [ada, bob, cyd] = pages as [Page, Page, Page];
    const pids = cluster.nodes.map((node) => node.child.pid);

    cluster.redis.freeze();
    const frozenAt = Date.now();
    await expect.poll(async () => Promise.all(cluster.nodes.map(async (node) => (await fetch(`${node.url}/readyz`)).status)), { timeout: 10_000, intervals: [250] }).toEqual([503, 503, 503]);
    const unreadyMs = Date.now() - frozenAt;
    while (Date.now() - frozenAt < 15_000) {
      expect(await Promise.all(cluster.nodes.map(async (node) => (await fetch(`${node.url}/healthz`)).status))).toEqual([200, 200, 200]);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const samples = await Promise.all(pages.map((page) => mediaSamples(page)));
    for (const [i, s] of samples.entries()) expect(longestStall(s, frozenAt), `${NAMES[i]}'s video went on`).toBeLessThan(1000);

    cluster.redis.thaw();
    const thawedAt = Date.now();
    // Cross-node signaling: Ada (node 0) mutes her microphone; Bob (node 1) and Cyd (node 2) see it.
    // (Her camera stays on: the next test's newcomer checks video from everyone.)
    await ada.getByRole('button', { name: 'Mute microphone' }).click();
    for (const page of [bob, cyd]) await expect(tile(page, 'Ada').getByLabel('Microphone muted')).toBeVisible({ timeout: 10_000 });
    const backMs = Date.now() - thawedAt;
    await expect.poll(async () => Promise.all(cluster.nodes.map(async (node) => (await fetch(`${node.url}/readyz`)).status)), { timeout: 10_000 }).toEqual([200, 200, 200]);
    expect(cluster.nodes.map((node) => node.child.pid), 'no node restarted').toEqual(pids);
    console.log(`[three-nodes] Redis frozen 15 s: every node unready after ${unreadyMs} ms and alive throughout; media flowed; cross-node signaling back ${backMs} ms after Redis returned`);
    expect(backMs).toBeLessThan(5_000);
  });

  test('a room spread over three nodes calls as one; a node killed mid-call: its person resumes on another node and nobody sees a leave', async ({ browser }) => {
    test.setTimeout(180_000);
    expect(await participantsPerNode(cluster)).toEqual([1, 1, 1]);
    const [ada, bob, cyd] = pages as [Page, Page, Page];
    await watchTiles(ada, ['Bob', 'Cyd']);
    await watchTiles(cyd, ['Ada', 'Bob']);
    const before = await Promise.all(pages.map((page) => linkStats(page)));

    // Bob's node dies: his socket drops at once (the process is gone), he reconnects through the balancer.
    const killedAt = Date.now();
    await cluster.stopNode(1, 'SIGKILL');
    await expect.poll(async () => (await participantsPerNode(cluster)).filter((n) => n > 0).reduce((a, b) => a + b, 0), { timeout: 15_000, intervals: [200] }).toBe(3);
    const resumedMs = Date.now() - killedAt;
    await expect(bob.getByRole('status').filter({ hasText: 'Reconnecting…' })).toHaveCount(0);

    // Cross-node signaling after the move: Bob mutes, both others see it.
    await bob.getByRole('button', { name: 'Mute microphone' }).click();
    for (const page of [ada, cyd]) await expect(tile(page, 'Bob').getByLabel('Microphone muted')).toBeVisible();

    const after = await Promise.all(pages.map((page) => linkStats(page)));
    after.forEach((links, i) => {
      expect(links, 'no peer connection was replaced').toHaveLength(before[i]?.length ?? -1);
      for (const link of links) expect(link.connectionState).toBe('connected');
    });
    expect(await missingTiles(ada), 'Ada never saw anyone leave').toEqual([]);
    expect(await missingTiles(cyd), 'Cyd never saw anyone leave').toEqual([]);
    for (const [i, page] of pages.entries()) {
      for (const other of NAMES.filter((_, j) => j !== i)) await expect(tile(page, other)).toHaveCount(1);
    }
    const stalls = await Promise.all(pages.map(async (page) => longestStall(await mediaSamples(page), killedAt)));
    console.log(`[three-nodes] node of Bob killed: Bob a member again on another node after ${resumedMs} ms (nodes now hold ${(await participantsPerNode(cluster)).join('/')}); longest video stall Ada/Bob/Cyd ${stalls.map((ms) => Math.round(ms)).join('/')} ms`);

    // A newcomer lands on a surviving node and gets video from all three.
    const dee = await joinCall(browser, cluster, room, 'Dee');
    await Promise.all(NAMES.map((name) => expectVideoFlowing(dee, name, 30_000)));
  });
});

/** The longest time, after `since`, that no peer connection of a page decoded a new video frame. */
function longestStall(samples: Awaited<ReturnType<typeof mediaSamples>>, since: number): number {
  let longest = 0;
  let lastChange = since;
  let previous: number | undefined;
  for (const s of samples) {
    if (s.at < since) {
      previous = s.links.reduce((sum, link) => sum + link.frames, 0);
      continue;
    }
    const frames = s.links.reduce((sum, link) => sum + link.frames, 0);
    if (previous === undefined || frames !== previous) lastChange = s.at;
    previous = frames;
    longest = Math.max(longest, s.at - lastChange);
  }
  return longest;
}
