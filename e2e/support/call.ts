import { expect, type Browser, type Page } from '@playwright/test';
import { observePeerConnections } from './observePeerConnections.js';
import type { ParleyProcess } from '@parley/testbed';

export interface JoinOptions {
  camera?: boolean;
  microphone?: boolean;
}

/** Opens the room link (of the server, or of anything serving the app) in a fresh browser context, types a name and joins, as a person would. */
export async function joinCall(browser: Browser, server: Pick<ParleyProcess, 'roomUrl'>, room: string, name: string): Promise<Page> {
  const page = await openPreJoin(browser, server, room, name);
  await pressJoin(page, name);
  return page;
}

/**
 * Several people join one room, in the order given, each as `joinCall` does.
 * Their pages load and their names are typed side by side (the slow part on a
 * busy machine); the Join presses stay one after another, in order, each
 * waiting until that person is in the call.
 */
export async function joinCallInOrder(browser: Browser, server: Pick<ParleyProcess, 'roomUrl'>, room: string, names: readonly string[]): Promise<Page[]> {
  const pages = await Promise.all(names.map((name) => openPreJoin(browser, server, room, name)));
  for (const [index, page] of pages.entries()) await pressJoin(page, names[index] as string);
  return pages;
}

/** The room link in a fresh browser context, with the name typed in and Join not yet pressed. */
async function openPreJoin(browser: Browser, server: Pick<ParleyProcess, 'roomUrl'>, room: string, name: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await page.addInitScript(observePeerConnections);
  page.on('pageerror', (error) => console.error(`[${name}] page error:`, error));
  await page.goto(server.roomUrl(room));
  await page.getByRole('textbox', { name: 'Your name' }).fill(name);
  return page;
}

async function pressJoin(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(page.getByRole('group', { name: `${name} (you)` })).toBeVisible();
}

export function tile(page: Page, name: string) {
  return page.getByRole('group', { name, exact: true });
}

/** The video in `name`'s tile: its decoded size and the number of frames shown so far. */
export async function videoProgress(page: Page, name: string): Promise<{ width: number; frames: number }> {
  return tile(page, name)
    .locator('video')
    .evaluate((video: HTMLVideoElement) => ({
      width: video.videoWidth,
      frames: video.getVideoPlaybackQuality().totalVideoFrames,
    }));
}

/**
 * How often the video checks look again. expect.poll's default backs off to
 * once a second, which adds up to a second to every wait for video that
 * takes longer than two; one small evaluate every 250 ms costs the page little.
 */
const VIDEO_POLL_INTERVALS = [100, 250];

/** Waits until `name`'s tile on `page` shows real decoded video that keeps advancing. */
export async function expectVideoFlowing(page: Page, name: string, timeout = 20_000): Promise<void> {
  await expect.poll(async () => (await videoProgress(page, name)).width, { timeout, intervals: VIDEO_POLL_INTERVALS }).toBeGreaterThan(0);
  const before = (await videoProgress(page, name)).frames;
  await expect.poll(async () => (await videoProgress(page, name)).frames, { timeout, intervals: VIDEO_POLL_INTERVALS }).toBeGreaterThan(before + 5);
}

/**
 * Waits until every page shows advancing video from every other person
 * (`names[i]` is who `pages[i]` is). All the checks run at once: one after
 * another, a mesh of four on two cores spent a minute on twelve of them,
 * each waiting out the others' slow frames.
 */
export async function expectEveryoneSeesEveryone(pages: readonly Page[], names: readonly string[], timeout = 30_000): Promise<void> {
  await Promise.all(
    pages.flatMap((page, i) => names.filter((_, j) => j !== i).map((other) => expectVideoFlowing(page, other, timeout))),
  );
}

export interface LinkStats {
  connectionState: RTCPeerConnectionState;
  framesDecoded: number;
  audioBytesReceived: number;
  totalAudioEnergy: number;
}

/** Real getStats() of every peer connection the page made. */
export async function linkStats(page: Page): Promise<LinkStats[]> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __parleyPeerConnections: RTCPeerConnection[] }).__parleyPeerConnections;
    return Promise.all(
      pcs.map(async (pc) => {
        const result = { connectionState: pc.connectionState, framesDecoded: 0, audioBytesReceived: 0, totalAudioEnergy: 0 };
        if (pc.connectionState === 'closed') return result;
        const stats = await pc.getStats();
        stats.forEach((report: Record<string, unknown>) => {
          if (report['type'] !== 'inbound-rtp') return;
          if (report['kind'] === 'video') result.framesDecoded += Number(report['framesDecoded'] ?? 0);
          if (report['kind'] === 'audio') {
            result.audioBytesReceived += Number(report['bytesReceived'] ?? 0);
            result.totalAudioEnergy += Number(report['totalAudioEnergy'] ?? 0);
          }
        });
        return result;
      }),
    );
  });
}

export interface CameraSend {
  /** What the page asked of the camera sender (its budget). */
  scaleResolutionDownBy: number | null;
  maxBitrate: number | null;
  /** What the encoder really sends now. */
  frameWidth: number;
}

/** The camera stream each open peer connection sends: its encoding limits and real frame width. */
export async function cameraSends(page: Page): Promise<CameraSend[]> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __parleyPeerConnections: RTCPeerConnection[] }).__parleyPeerConnections;
    const open = pcs.filter((pc) => pc.connectionState !== 'closed');
    return Promise.all(
      open.map(async (pc) => {
        // The camera is the first video sender: a screen share's transceiver is always added after it.
        const sender = pc.getTransceivers().find((t) => t.sender.track?.kind === 'video' || t.receiver.track.kind === 'video')?.sender;
        const encoding = sender?.getParameters().encodings?.[0];
        let frameWidth = 0;
        if (sender) (await sender.getStats()).forEach((r: Record<string, unknown>) => {
          if (r['type'] === 'outbound-rtp') frameWidth = Math.max(frameWidth, Number(r['frameWidth'] ?? 0));
        });
        return { scaleResolutionDownBy: encoding?.scaleResolutionDownBy ?? null, maxBitrate: encoding?.maxBitrate ?? null, frameWidth };
      }),
    );
  });
}

export async function openPeerConnections(page: Page): Promise<number> {
  return (await linkStats(page)).filter((link) => link.connectionState !== 'closed').length;
}

export async function sendChat(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
}

export function chatLog(page: Page) {
  return page.getByRole('log');
}

/** Opens a side panel (Chat, Send file, Participants…) unless it is open already. */
export async function openPanel(page: Page, label: string): Promise<void> {
  const button = page.getByRole('button', { name: label, exact: true });
  if ((await button.getAttribute('aria-pressed')) !== 'true') await button.click();
}
