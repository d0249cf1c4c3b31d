import { cameraSends, expectVideoFlowing, joinCall, linkStats, tile } from '../support/call.js';
import { expect, freshRoom, test } from '../support/fixtures.js';

const NAMES = ['Ada', 'Bob', 'Cyd', 'Dee'];

test('four people form a full mesh: every pair has its own connection and video decodes everywhere', async ({ browser, server }) => {
  const room = freshRoom();
  const pages = [];
  for (const name of NAMES) pages.push(await joinCall(browser, server, room, name));

  for (const [index, page] of pages.entries()) {
    const self = NAMES[index] as string;
    const others = NAMES.filter((name) => name !== self);
    await test.step(`${self} sees ${others.join(', ')}`, async () => {
      for (const other of others) {
        await expect(tile(page, other)).toBeVisible();
        await expectVideoFlowing(page, other, 30_000);
      }
      await expect.poll(async () => (await linkStats(page)).filter((l) => l.connectionState === 'connected').length).toBe(3);
      const links = await linkStats(page);
      expect(links).toHaveLength(3);
      for (const link of links) expect(link.framesDecoded).toBeGreaterThan(0);
    });
  }
});

test('the camera stream shrinks as the mesh grows and grows back when people leave, so a small machine keeps up', async ({ browser, server }) => {
  const room = freshRoom();
  const pages = [];
  for (const name of NAMES) pages.push(await joinCall(browser, server, room, name));
  const [ada] = pages;
  if (!ada) throw new Error('no page');
  await expect.poll(async () => (await linkStats(ada)).filter((l) => l.connectionState === 'connected').length, { timeout: 30_000 }).toBe(3);
  await expectVideoFlowing(ada, 'Dee', 30_000);

  // Four people: each of the three streams at half size, 350 kbit/s at most.
  await expect.poll(async () => (await cameraSends(ada)).map((s) => s.scaleResolutionDownBy)).toEqual([2, 2, 2]);
  const four = await cameraSends(ada);
  for (const send of four) {
    expect(send.maxBitrate).toBe(350_000);
    expect(send.frameWidth).toBeLessThanOrEqual(480);
  }
  console.log(`[budget] 4 people: Ada sends ${four.map((s) => `${s.frameWidth}px`).join(', ')} (limit 480px, 350 kbit/s each)`);

  // Dee leaves: three people, each stream back up to 640 px.
  await pages[3]?.context().close();
  await expect.poll(async () => (await cameraSends(ada)).map((s) => s.scaleResolutionDownBy), { timeout: 15_000 }).toEqual([1.5, 1.5]);
  for (const send of await cameraSends(ada)) expect(send.maxBitrate).toBe(600_000);

  // Cyd leaves too: the one stream left is full size.
  await pages[2]?.context().close();
  await expect.poll(async () => (await cameraSends(ada)).map((s) => s.scaleResolutionDownBy), { timeout: 15_000 }).toEqual([1]);
  await expectVideoFlowing(pages[1]!, 'Ada');
  const two = await cameraSends(ada);
  console.log(`[budget] 2 people: Ada sends ${two.map((s) => `${s.frameWidth}px`).join(', ')} (limit 960px, 1.2 Mbit/s)`);
});
