import { chromium, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '@parley/testbed';
import { expectVideoFlowing, joinCall, linkStats, tile } from '../support/call.js';
import { expect, freshRoom, test } from '../support/fixtures.js';
import { observePeerConnections } from '../support/observePeerConnections.js';

async function sentTrackLabel(page: Page, kind: 'audio' | 'video'): Promise<string | undefined> {
  return page.evaluate((kind) => {
    const pcs = (window as unknown as { __parleyPeerConnections: RTCPeerConnection[] }).__parleyPeerConnections;
    return pcs[0]?.getSenders().find((s) => s.track?.kind === kind && s.track.readyState === 'live')?.track?.label;
  }, kind);
}

async function transceiverCount(page: Page): Promise<number> {
  return page.evaluate(
    () => (window as unknown as { __parleyPeerConnections: RTCPeerConnection[] }).__parleyPeerConnections[0]?.getTransceivers().length ?? 0,
  );
}

test('pre-join offers camera, microphone and speaker pickers and a live microphone level', async ({ browser, server }) => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(server.roomUrl(freshRoom()));
  const camera = page.getByRole('combobox', { name: 'Camera' });
  await expect(camera.locator('option')).toHaveCount(3);
  await expect(page.getByRole('combobox', { name: 'Microphone' }).locator('option')).not.toHaveCount(0);
  await expect(page.getByRole('combobox', { name: 'Speaker' }).locator('option')).not.toHaveCount(0);
  // A person clicks into the name field; that is also what lets a browser start audio processing.
  await page.getByRole('textbox', { name: 'Your name' }).click();
  const meter = page.getByRole('meter', { name: 'Microphone level' });
  const clickedAt = Date.now();
  await expect.poll(async () => Number(await meter.getAttribute('aria-valuenow')), { timeout: 10_000 }).toBeGreaterThan(0);
  const firstLevelMs = Date.now() - clickedAt;
  // Live, not stuck: the fake microphone beeps for 20 ms every 500 ms, so over 2 s the meter rises and falls.
  const readings: number[] = [];
  for (let i = 0; i < 20; i++) {
    readings.push(Number(await meter.getAttribute('aria-valuenow')));
    await page.waitForTimeout(100);
  }
  console.log(`[devices] microphone level first above 0 after ${firstLevelMs} ms; then every ~100 ms: ${readings.join(' ')}`);
  expect(new Set(readings).size, 'the meter follows the sound').toBeGreaterThan(1);

  await camera.selectOption({ label: 'fake_device_2' });
  await expect
    .poll(() => page.getByRole('group', { name: 'You' }).locator('video').evaluate((v: HTMLVideoElement) => (v.srcObject as MediaStream).getVideoTracks()[0]?.label))
    .toBe('fake_device_2');
});

test('switching camera, microphone and speaker mid-call keeps the others decoding, without renegotiation', async ({ browser, server }) => {
  const room = freshRoom();
  const ada = await joinCall(browser, server, room, 'Ada');
  const bob = await joinCall(browser, server, room, 'Bob');
  await expectVideoFlowing(bob, 'Ada');
  const transceivers = await transceiverCount(ada);
  expect(await sentTrackLabel(ada, 'video')).toBe('fake_device_0');

  await ada.getByRole('button', { name: 'Settings' }).click();
  await ada.getByRole('combobox', { name: 'Camera' }).selectOption({ label: 'fake_device_2' });
  await expect.poll(() => sentTrackLabel(ada, 'video')).toBe('fake_device_2');
  await expectVideoFlowing(bob, 'Ada');

  await ada.getByRole('combobox', { name: 'Microphone' }).selectOption({ label: 'Fake Audio Input 1' });
  await expect.poll(() => sentTrackLabel(ada, 'audio')).toBe('Fake Audio Input 1');
  const energy = (await linkStats(bob))[0]?.totalAudioEnergy ?? 0;
  await expect.poll(async () => (await linkStats(bob))[0]?.totalAudioEnergy ?? 0).toBeGreaterThan(energy);
  expect(await transceiverCount(ada)).toBe(transceivers);

  await bob.getByRole('button', { name: 'Settings' }).click();
  const speaker = bob.getByRole('combobox', { name: 'Speaker' });
  await speaker.selectOption({ label: 'Fake Audio Output 1' });
  const chosen = await speaker.inputValue();
  await expect.poll(() => tile(bob, 'Ada').locator('video').evaluate((v: HTMLVideoElement & { sinkId: string }) => v.sinkId)).toBe(chosen);

  await test.step('a camera that goes away is replaced by the default one, and the others keep decoding', async () => {
    await ada.evaluate(() => {
      const video = document.querySelector('[aria-label="Ada (you)"] video') as HTMLVideoElement;
      const track = (video.srcObject as MediaStream).getVideoTracks()[0];
      // What an unplugged camera does: its track ends by itself.
      track?.stop();
      track?.dispatchEvent(new Event('ended'));
    });
    await expect.poll(() => sentTrackLabel(ada, 'video')).toBe('fake_device_0');
    await expectVideoFlowing(bob, 'Ada');
  });
});

test('keyboard: Ctrl+D and Ctrl+E toggle microphone and camera, and every control is reachable by Tab', async ({ browser, server }) => {
  const room = freshRoom();
  const ada = await joinCall(browser, server, room, 'Ada');
  const bob = await joinCall(browser, server, room, 'Bob');
  await ada.locator('body').click({ position: { x: 5, y: 5 } });
  await ada.keyboard.press('Control+d');
  await expect(tile(bob, 'Ada').getByRole('img', { name: 'Microphone muted' })).toBeVisible();
  await expect(ada.getByRole('button', { name: 'Unmute microphone' })).toBeVisible();
  await ada.keyboard.press('Control+e');
  await expect(tile(bob, 'Ada').getByRole('img', { name: 'Camera off' })).toBeVisible();
  await ada.keyboard.press('Control+d');
  await ada.keyboard.press('Control+e');
  await expect(tile(bob, 'Ada').getByRole('img', { name: 'Microphone muted' })).toHaveCount(0);
  await expect(tile(bob, 'Ada').getByRole('img', { name: 'Camera off' })).toHaveCount(0);

  const reached = new Set<string>();
  for (let i = 0; i < 30; i++) {
    await ada.keyboard.press('Tab');
    const name = await ada.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '');
    if (name) reached.add(name.trim());
  }
  for (const control of ['Mute microphone', 'Turn camera off', 'Share screen', 'Chat', 'Send file', 'Participants', 'Settings', 'Leave call']) {
    expect([...reached], `Tab reaches "${control}"`).toContain(control);
  }
  const outline = await ada.getByRole('button', { name: 'Leave call' }).evaluate((el) => {
    (el as HTMLElement).focus();
    return getComputedStyle(el).outlineStyle;
  });
  expect(outline).not.toBe('none');
});

test('without camera permission a person can still join to listen and watch, and is told why', async ({ browser, server }) => {
  const room = freshRoom();
  const bob = await joinCall(browser, server, room, 'Bob');
  // No fake-UI flag: the permission prompt is refused, as when a person clicks "Block".
  const strict = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS.filter((arg) => arg !== '--use-fake-ui-for-media-stream'),
  });
  try {
    const ada = await (await strict.newContext()).newPage();
    await ada.addInitScript(observePeerConnections);
    await ada.goto(server.roomUrl(room));
    await expect(ada.getByRole('alert')).toContainText('not allowed to use your camera or microphone');
    await expect(ada.getByRole('alert')).toContainText('You can still join to listen and watch');
    await ada.getByRole('textbox', { name: 'Your name' }).fill('Ada');
    await ada.getByRole('button', { name: 'Join', exact: true }).click();
    await expectVideoFlowing(ada, 'Bob');
    await expect(tile(bob, 'Ada').getByRole('img', { name: 'Camera off' })).toBeVisible();
    await expect(tile(bob, 'Ada').getByRole('img', { name: 'Microphone muted' })).toBeVisible();
  } finally {
    await strict.close();
  }
});
