import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { joinCallInOrder, openPanel } from '../support/call.js';
import { channelSummary, fileChannelReport, watchFileChannels } from '../support/fileChannelProbe.js';
import { expect, freshRoom, test } from '../support/fixtures.js';

const MiB = 1024 * 1024;

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function makeFile(dir: string, name: string, bytes: number): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, randomBytes(bytes));
  return path;
}

async function offerFile(page: Page, path: string, to = 'Everyone'): Promise<void> {
  await openPanel(page, 'Send file');
  await page.getByRole('combobox', { name: 'Send to' }).selectOption({ label: to });
  await page.getByLabel('Choose files to send').setInputFiles(path);
}

function transfer(page: Page, name: string, from: string) {
  return page.getByRole('listitem', { name: `${name} from ${from}` });
}

/** No progress for this long means the transfer is stuck (how fast it goes is the benchmark's business). */
const STALL_MS = 30_000;

/**
 * Waits for "Received and verified" for as long as the progress bar keeps
 * moving. Reads the row with one plain query every 2 s: role queries force a
 * style and layout pass, and polling them fast slowed these busy pages down.
 */
async function untilVerifiedUnlessStalled(page: Page, name: string, from: string, everyone: readonly Page[]): Promise<void> {
  let last = { percent: -1, at: Date.now() };
  for (;;) {
    const { state, percent } = await page.evaluate((label) => {
      const row = document.querySelector(`li[aria-label="${CSS.escape(label)}"]`);
      const bar = row?.querySelector('[role="progressbar"]');
      return { state: row?.getAttribute('data-state') ?? 'missing', percent: Number(bar?.getAttribute('aria-valuenow') ?? 100) };
    }, `${name} from ${from}`);
    if (state === 'complete') return expect(transfer(page, name, from)).toContainText('Received and verified');
    if (state !== 'transferring' && state !== 'verifying') {
      await printChannels(everyone);
      throw new Error(`the transfer ended ${state}: "${await transfer(page, name, from).textContent()}"`);
    }
    if (percent !== last.percent) last = { percent, at: Date.now() };
    else if (Date.now() - last.at > STALL_MS) {
      // What each page's file channels did, so a stall says where it is: sender, channel or receiver.
      await printChannels(everyone);
      throw new Error(`no progress for ${STALL_MS / 1000} s at ${percent}% (${state})`);
    }
    await page.waitForTimeout(2000);
  }
}

/** Everything the probe saw on each page: where a stall is (sender, channel or receiver). */
async function printChannels(everyone: readonly Page[]): Promise<void> {
  for (const [index, each] of everyone.entries()) console.log(`[files] page ${index} channels:`, JSON.stringify(await fileChannelReport(each), null, 1));
}

/** Waits until the receiver's progress bar leaves 0 %, printing what each page's channels did if it does not within STALL_MS. */
async function untilProgress(row: Locator, everyone: readonly Page[]): Promise<void> {
  const progress = row.getByRole('progressbar');
  try {
    await expect.poll(async () => Number(await progress.getAttribute('aria-valuenow')), { timeout: STALL_MS }).toBeGreaterThan(0);
  } catch (error) {
    await printChannels(everyone);
    throw error;
  }
}

function outgoing(page: Page, name: string, to: string) {
  return page.getByRole('listitem', { name: `${name} to ${to}` });
}

test.describe('file transfer over data channels', () => {
  let dir: string;
  test.beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-files-'));
  });
  test.afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a file of 17 MiB and a bit sent to two people at once arrives byte for byte, verified', async ({ browser, server }) => {
    test.setTimeout(240_000);
    const room = freshRoom();
    const [ada, bob, cyd] = (await joinCallInOrder(browser, server, room, ['Ada', 'Bob', 'Cyd'])) as [Page, Page, Page];
    for (const page of [ada, bob, cyd]) await watchFileChannels(page);
    // More than a data channel's 16 MiB send buffer, so the sender must wait on
    // backpressure; not a whole number of hash blocks or frames: the last of each is short.
    const path = await makeFile(dir, 'big.bin', 17 * MiB + 12_345);
    const expected = await sha256Of(path);

    await offerFile(ada, path);
    const started = Date.now();
    for (const page of [bob, cyd]) {
      await transfer(page, 'big.bin', 'Ada').getByRole('button', { name: 'Accept' }).click();
    }
    for (const [index, page] of [bob, cyd].entries()) {
      await untilVerifiedUnlessStalled(page, 'big.bin', 'Ada', [ada, bob, cyd]);
      // The hashing ran in the SDK's worker (a same-origin script the CSP allows), not on the page's thread.
      // An idle worker stops 30 s after its page's last digest, so ask each page as soon as it is done:
      // the sender at the first verification (its digests ended just before), each receiver at its own.
      for (const hashed of index === 0 ? [ada, page] : [page]) expect(hashed.workers().map((worker) => worker.url())).toContainEqual(expect.stringContaining('hashWorkerScript'));
      const row = transfer(page, 'big.bin', 'Ada');
      // The worker also wrote the bytes to disk (an OPFS sync access handle), not the page: the Save below reads what it wrote.
      await expect(row).toHaveAttribute('data-stored-by', 'worker');
      const download = page.waitForEvent('download');
      await row.getByRole('link', { name: 'Save' }).click();
      const saved = join(dir, `saved-${Math.random().toString(36).slice(2)}.bin`);
      await (await download).saveAs(saved);
      expect(await sha256Of(saved)).toBe(expected);
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(`[files] 17 MiB to two peers at once, video on, in ${seconds.toFixed(1)} s (${((2 * 17) / seconds).toFixed(1)} MiB/s in total)`);
    for (const to of ['Bob', 'Cyd']) await expect(outgoing(ada, 'big.bin', to)).toContainText('Delivered and verified');
    for (const [name, page] of [['Ada', ada], ['Bob', bob], ['Cyd', cyd]] as const) {
      for (const line of channelSummary(await fileChannelReport(page))) console.log(`[files] ${name}: ${line}`);
    }
  });

  test('a declined file is never sent, and either side can cancel one in flight', async ({ browser, server }) => {
    const room = freshRoom();
    const [ada, bob] = (await joinCallInOrder(browser, server, room, ['Ada', 'Bob'])) as [Page, Page];
    for (const page of [ada, bob]) await watchFileChannels(page);

    const small = await makeFile(dir, 'notes.txt', 10_000);
    await offerFile(ada, small, 'Bob');
    await transfer(bob, 'notes.txt', 'Ada').getByRole('button', { name: 'Decline' }).click();
    await expect(outgoing(ada, 'notes.txt', 'Bob')).toContainText('Declined');
    await expect(transfer(bob, 'notes.txt', 'Ada').getByRole('link', { name: 'Save' })).toHaveCount(0);

    const large = await makeFile(dir, 'large.bin', 256 * MiB);
    await offerFile(ada, large, 'Bob');
    await transfer(bob, 'large.bin', 'Ada').getByRole('button', { name: 'Accept' }).click();
    await untilProgress(transfer(bob, 'large.bin', 'Ada'), [ada, bob]);
    await outgoing(ada, 'large.bin', 'Bob').getByRole('button', { name: 'Cancel' }).click();
    await expect(transfer(bob, 'large.bin', 'Ada')).toContainText('Cancelled (Ada cancelled)');
    await expect(outgoing(ada, 'large.bin', 'Bob')).toContainText('Cancelled (you cancelled)');

    await offerFile(ada, large, 'Bob');
    const second = bob.getByRole('listitem', { name: 'large.bin from Ada' }).first();
    await second.getByRole('button', { name: 'Accept' }).click();
    await untilProgress(second, [ada, bob]);
    await second.getByRole('button', { name: 'Cancel' }).click();
    await expect(second).toContainText('Cancelled (you cancelled)');
    await expect(ada.getByRole('listitem', { name: 'large.bin to Bob' }).first()).toContainText('Cancelled (Bob cancelled)');
  });
});
