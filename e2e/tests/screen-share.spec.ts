import type { Page } from '@playwright/test';
import { expectVideoFlowing, joinCallInOrder, tile } from '../support/call.js';
import { expect, freshRoom, test } from '../support/fixtures.js';

test('a shared screen is seen large by the others, and stops from our button or the browser’s', async ({ browser, server }) => {
  const room = freshRoom();
  const [ada, bob, cyd] = (await joinCallInOrder(browser, server, room, ['Ada', 'Bob', 'Cyd'])) as [Page, Page, Page];
  await expectVideoFlowing(bob, 'Ada');

  await ada.getByRole('button', { name: 'Share screen' }).click();
  await expect(ada.getByRole('group', { name: 'Your screen' })).toBeVisible();
  for (const page of [bob, cyd]) {
    await expectVideoFlowing(page, 'Ada’s screen', 30_000);
    // The camera tile still shows the camera: the screen came as an extra track, not a replacement.
    await expectVideoFlowing(page, 'Ada');
  }
  const screenWidth = await tile(bob, 'Ada’s screen').locator('video').evaluate((v: HTMLVideoElement) => v.videoWidth);
  const cameraWidth = await tile(bob, 'Ada').locator('video').evaluate((v: HTMLVideoElement) => v.videoWidth);
  expect(screenWidth).not.toBe(cameraWidth);

  await ada.getByRole('button', { name: 'Stop sharing screen' }).click();
  for (const page of [bob, cyd]) await expect(tile(page, 'Ada’s screen')).toHaveCount(0);
  await expectVideoFlowing(bob, 'Ada');

  await test.step('sharing again, then stopping from the browser ends it for everyone', async () => {
    await ada.getByRole('button', { name: 'Share screen' }).click();
    await expectVideoFlowing(bob, 'Ada’s screen', 30_000);
    // The browser's own "Stop sharing" ends the track; Playwright cannot click browser UI, so fire what it fires.
    await ada.evaluate(() => {
      const video = document.querySelector('[aria-label="Your screen"] video') as HTMLVideoElement;
      const track = (video.srcObject as MediaStream).getVideoTracks()[0];
      track?.stop();
      track?.dispatchEvent(new Event('ended'));
    });
    await expect(ada.getByRole('button', { name: 'Share screen' })).toBeVisible();
    for (const page of [bob, cyd]) await expect(tile(page, 'Ada’s screen')).toHaveCount(0);
  });
});
