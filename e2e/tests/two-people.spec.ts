import { chatLog, expectVideoFlowing, joinCall, linkStats, openPeerConnections, sendChat, tile } from '../support/call.js';
import { expect, freshRoom, test } from '../support/fixtures.js';

test('two people see and hear each other, mute, turn the camera off, chat, and leave cleanly', async ({ browser, server }) => {
  const room = freshRoom();
  const ada = await joinCall(browser, server, room, 'Ada');
  const bob = await joinCall(browser, server, room, 'Bob');

  await test.step('each sees the other’s video decoding', async () => {
    await expectVideoFlowing(ada, 'Bob');
    await expectVideoFlowing(bob, 'Ada');
    for (const page of [ada, bob]) {
      const [link] = await linkStats(page);
      expect(link?.connectionState).toBe('connected');
      expect(link?.framesDecoded).toBeGreaterThan(0);
    }
  });

  await test.step('each hears the other: audio arrives with energy', async () => {
    for (const page of [ada, bob]) {
      await expect.poll(async () => (await linkStats(page))[0]?.totalAudioEnergy ?? 0).toBeGreaterThan(0);
    }
  });

  await test.step('a muted microphone shows on the other side, and unmuting clears it', async () => {
    await ada.getByRole('button', { name: 'Mute microphone' }).click();
    await expect(tile(bob, 'Ada').getByRole('img', { name: 'Microphone muted' })).toBeVisible();
    await ada.getByRole('button', { name: 'Unmute microphone' }).click();
    await expect(tile(bob, 'Ada').getByRole('img', { name: 'Microphone muted' })).toHaveCount(0);
  });

  await test.step('camera off stops the camera and shows on the other side; on again brings video back', async () => {
    await ada.getByRole('button', { name: 'Turn camera off' }).click();
    await expect(tile(bob, 'Ada').getByRole('img', { name: 'Camera off' })).toBeVisible();
    const liveCameras = await ada.evaluate(async () => {
      const pcs = (window as unknown as { __parleyPeerConnections: RTCPeerConnection[] }).__parleyPeerConnections;
      return pcs.flatMap((pc) => pc.getSenders()).filter((s) => s.track?.kind === 'video' && s.track.readyState === 'live').length;
    });
    expect(liveCameras).toBe(0);
    await ada.getByRole('button', { name: 'Turn camera on' }).click();
    await expect(tile(bob, 'Ada').getByRole('img', { name: 'Camera off' })).toHaveCount(0);
    await expectVideoFlowing(bob, 'Ada');
  });

  await test.step('a chat message arrives with its sender, both ways', async () => {
    await sendChat(ada, 'hello from Ada <b>not bold</b>');
    await expect(chatLog(bob)).toContainText('Ada');
    await expect(chatLog(bob)).toContainText('hello from Ada <b>not bold</b>');
    await sendChat(bob, 'hi Ada');
    await expect(chatLog(ada)).toContainText('hi Ada');
  });

  await test.step('leaving removes the tile on the other side within 2 s and closes every connection', async () => {
    await bob.getByRole('button', { name: 'Leave call' }).click();
    await expect(bob.getByRole('heading', { name: 'You left the call' })).toBeVisible();
    await expect(tile(ada, 'Bob')).toHaveCount(0, { timeout: 2_000 });
    expect(await openPeerConnections(bob)).toBe(0);
    expect(await openPeerConnections(ada)).toBe(0);
    const liveTracks = await bob.evaluate(() =>
      Array.from(document.querySelectorAll('video')).flatMap((v) =>
        v.srcObject instanceof MediaStream ? v.srcObject.getTracks().filter((t) => t.readyState === 'live') : [],
      ).length,
    );
    expect(liveTracks).toBe(0);
    await expect(bob.getByRole('button', { name: 'Rejoin' })).toBeVisible();
  });
});
