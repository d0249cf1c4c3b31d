import type { Page } from '@playwright/test';
import { cameraSends, expectEveryoneSeesEveryone, expectVideoFlowing, joinCallInOrder, linkStats, tile } from '../support/call.js';
import { expect, freshRoom, test } from '../support/fixtures.js';

const NAMES = ['Ada', 'Bob', 'Cyd', 'Dee'];

test('four people form a full mesh: every pair has its own connection and video decodes everywhere, at a camera size the mesh can afford', async ({ browser, server }) => {
  // Four people join one after another on 2 cores, then two leave: more than the default 2 minutes when the machine is busy.
  test.setTimeout(180_000);
  const room = freshRoom();
  const pages = await joinCallInOrder(browser, server, room, NAMES);

  await test.step('every pair sees video from the other, each over its own connection', async () => {
    await Promise.all(pages.flatMap((page, i) => NAMES.filter((_, j) => j !== i).map((other) => expect(tile(page, other)).toBeVisible())));
    await expectEveryoneSeesEveryone(pages, NAMES);
    for (const page of pages) {
      await expect.poll(async () => (await linkStats(page)).filter((l) => l.connectionState === 'connected').length).toBe(3);
      const links = await linkStats(page);
      expect(links).toHaveLength(3);
      for (const link of links) expect(link.framesDecoded).toBeGreaterThan(0);
    }
  });

  // The camera stream shrinks as the mesh grows and grows back as people leave, so a small machine keeps up.
  const [ada, bob, cyd, dee] = pages as [Page, Page, Page, Page];
  await test.step('four people: each of the three camera streams at half size, 350 kbit/s at most', async () => {
    await expect.poll(async () => (await cameraSends(ada)).map((s) => s.scaleResolutionDownBy)).toEqual([2, 2, 2]);
    const four = await cameraSends(ada);
    for (const send of four) {
      expect(send.maxBitrate).toBe(350_000);
      expect(send.frameWidth).toBeLessThanOrEqual(480);
    }
    console.log(`[budget] 4 people: Ada sends ${four.map((s) => `${s.frameWidth}px`).join(', ')} (limit 480px, 350 kbit/s each)`);
  });
  await test.step('Dee leaves: the two streams go back up to 640 px', async () => {
    await dee.context().close();
    await expect.poll(async () => (await cameraSends(ada)).map((s) => s.scaleResolutionDownBy), { timeout: 15_000 }).toEqual([1.5, 1.5]);
    for (const send of await cameraSends(ada)) expect(send.maxBitrate).toBe(600_000);
  });
  await test.step('Cyd leaves: the one stream left is full size', async () => {
    await cyd.context().close();
    await expect.poll(async () => (await cameraSends(ada)).map((s) => s.scaleResolutionDownBy), { timeout: 15_000 }).toEqual([1]);
    await expectVideoFlowing(bob, 'Ada');
    console.log(`[budget] 2 people: Ada sends ${(await cameraSends(ada)).map((s) => `${s.frameWidth}px`).join(', ')} (limit 960px, 1.2 Mbit/s)`);
  });
});
