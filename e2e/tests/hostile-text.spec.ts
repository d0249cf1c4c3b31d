import type { Page } from '@playwright/test';
import { chatLog, joinCall, openPanel, sendChat, tile } from '../support/call.js';
import { expect, freshRoom, test } from '../support/fixtures.js';

/**
 * What other people type reaches our screen as text, never as markup or
 * script, and never breaks the layout: names, chat and file names, through
 * the web app and, for what the app would never send, straight down the data
 * channel as a hostile peer would.
 */

const MARKUP = '<img src=x onerror="window.__xss=1">';
const SCRIPT_LINK = 'javascript:window.__xss=2';
const RTL_OVERRIDE = 'invoice\u202Efdp.exe';
const LONG_WORD = 'W'.repeat(4000);
const TEN_THOUSAND = 'Z'.repeat(10_000);

/** Remembers the data channels the app opens, so the test can speak as a hostile peer on them. */
function captureDataChannels(): void {
  const channels: RTCDataChannel[] = [];
  (window as unknown as { __channels: RTCDataChannel[] }).__channels = channels;
  const create = RTCPeerConnection.prototype.createDataChannel;
  RTCPeerConnection.prototype.createDataChannel = function (this: RTCPeerConnection, ...args: Parameters<typeof create>) {
    const channel = create.apply(this, args);
    channels.push(channel);
    return channel;
  };
}

/** Sends raw frames on the open `parley` channels of the page, bypassing the app and its limits. */
async function sendRaw(page: Page, frames: object[]): Promise<void> {
  await page.evaluate((texts) => {
    const channels = (window as unknown as { __channels: RTCDataChannel[] }).__channels.filter((c) => c.label === 'parley' && c.readyState === 'open');
    if (channels.length === 0) throw new Error('no open parley channel');
    for (const channel of channels) for (const text of texts) channel.send(text);
  }, frames.map((frame) => JSON.stringify(frame)));
}

/** Nothing ran, nothing became an element or a live link, nothing spilled past the window. */
async function expectInert(page: Page): Promise<void> {
  const state = await page.evaluate(() => ({
    xss: (window as unknown as { __xss?: number }).__xss,
    injectedImages: document.querySelectorAll('img[src="x"]').length,
    scriptLinks: [...document.querySelectorAll('a[href]')].filter((a) => a.getAttribute('href')!.trim().toLowerCase().startsWith('javascript:')).length,
    overflowX: document.documentElement.scrollWidth - window.innerWidth,
  }));
  expect(state).toEqual({ xss: undefined, injectedImages: 0, scriptLinks: 0, overflowX: 0 });
}

test('names, chat and file names are shown as text only and the layout holds', async ({ browser, server }) => {
  const room = freshRoom();
  const ada = await joinCall(browser, server, room, 'Ada');
  const dialogs: string[] = [];
  ada.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });

  // A name with markup is a legal name: it joins and is shown as those characters.
  const mallory = await joinCall(browser, server, room, MARKUP);
  await expect(tile(ada, MARKUP)).toBeVisible({ timeout: 20_000 });

  // Through the app: markup, a script link, an RTL override, and 10,000 characters pasted (the box keeps 4000).
  await openPanel(ada, 'Chat');
  await openPanel(mallory, 'Chat');
  for (const text of [MARKUP, `see ${SCRIPT_LINK} and https://example.invalid/x`, RTL_OVERRIDE, TEN_THOUSAND]) await sendChat(mallory, text);
  await expect(chatLog(ada)).toContainText(MARKUP);
  await expect(chatLog(ada)).toContainText(SCRIPT_LINK);
  await expect(chatLog(ada)).toContainText('Z'.repeat(4000));
  const rtlMessage = chatLog(ada).getByText(RTL_OVERRIDE, { exact: true });
  await expect(rtlMessage).toHaveCSS('unicode-bidi', 'isolate');
  await expectInert(ada);

  // A name with a bidi override is refused before it reaches anyone.
  const eveContext = await browser.newContext();
  const eve = await eveContext.newPage();
  await eve.goto(server.roomUrl(room));
  await eve.getByRole('textbox', { name: 'Your name' }).fill(`Eve${RTL_OVERRIDE}`);
  await eve.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(eve.getByRole('alert')).toContainText('can’t be used');
  await expect(tile(ada, `Eve${RTL_OVERRIDE}`)).toHaveCount(0);
  // 10,000 characters of name: the box keeps 64.
  await eve.getByRole('textbox', { name: 'Your name' }).fill(TEN_THOUSAND);
  await expect(eve.getByRole('textbox', { name: 'Your name' })).toHaveValue('Z'.repeat(64));

  await expectInert(ada);
  expect(dialogs).toEqual([]);
  console.log('# markup, script links, RTL overrides and 10,000-character strings shown as text; nothing ran; no horizontal overflow');
});

test('a hostile peer writing straight to the data channel cannot inject markup, spoof a file name or break the layout', async ({ browser, server }) => {
  const room = freshRoom();
  const ada = await joinCall(browser, server, room, 'Ada');
  const malloryContext = await browser.newContext();
  const mallory = await malloryContext.newPage();
  await mallory.addInitScript(captureDataChannels);
  await mallory.goto(server.roomUrl(room));
  await mallory.getByRole('textbox', { name: 'Your name' }).fill('Mallory');
  await mallory.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(tile(ada, 'Mallory')).toBeVisible({ timeout: 20_000 });
  await expect.poll(() => mallory.evaluate(() => (window as unknown as { __channels: RTCDataChannel[] }).__channels.some((c) => c.label === 'parley' && c.readyState === 'open'))).toBe(true);

  await sendRaw(mallory, [
    { type: 'chat', id: 'm1', text: TEN_THOUSAND, sentAt: Date.now() },
    { type: 'chat', id: 'm2', text: LONG_WORD, sentAt: Date.now() },
    { type: 'chat', id: 'm3', text: `${MARKUP} ${SCRIPT_LINK}`, sentAt: Date.now() },
    { type: 'chat', id: 'm4', text: 'x', sentAt: Date.now(), __proto__: { polluted: true } },
    { type: 'file-offer', transferId: 'hostile-01', name: `${MARKUP}${RTL_OVERRIDE}`, size: 1024, mime: 'text/html' },
    { type: 'file-offer', transferId: 'hostile-02', name: `${'N'.repeat(250)}.txt`, size: 1024, mime: 'text/plain' },
  ]);
  // The offered name arrives without the override: what is shown is what would be saved.
  await expect(ada.getByText(`Mallory wants to send you “${'N'.repeat(250)}.txt”`)).toBeVisible();
  await openPanel(ada, 'Send file');
  await expect(ada.getByRole('listitem', { name: `${MARKUP}invoicefdp.exe from Mallory` })).toBeVisible();
  await expect(ada.getByRole('listitem', { name: `${'N'.repeat(250)}.txt from Mallory` })).toBeVisible();
  await expectInert(ada);

  // Three of the four chat frames are shown, as text; the 10,000-character one was dropped.
  await expect(ada.getByRole('button', { name: 'Chat', exact: true })).toContainText('3');
  await openPanel(ada, 'Chat');
  await expect(chatLog(ada)).toContainText(`${MARKUP} ${SCRIPT_LINK}`);
  await expect(chatLog(ada)).toContainText(LONG_WORD);
  await expect(chatLog(ada)).not.toContainText('Z'.repeat(100));
  await expectInert(ada);
  expect(await ada.evaluate(() => (Object.prototype as Record<string, unknown>)['polluted'])).toBeUndefined();
  console.log('# raw frames: a 10,000-character chat dropped, a 4000-character word wrapped, markup and a spoofing file name neutralised');
});
