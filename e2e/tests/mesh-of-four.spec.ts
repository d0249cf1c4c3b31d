import { expectVideoFlowing, joinCall, linkStats, tile } from '../support/call.js';
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
