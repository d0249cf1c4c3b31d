import type { Page } from '@playwright/test';

/**
 * What one page's file channels did, read from the browser's own objects (no
 * SDK internals): for the sender, how much it handed to `send()` and how the
 * buffer drained; for the receiver, what arrived. When a transfer stops
 * moving, this tells a stuck sender from a stuck channel from a stuck receiver.
 */
export interface FileChannelRecord {
  label: string;
  /** `created` by this page (it sends) or `announced` by the peer (it receives). */
  side: 'created' | 'announced';
  /** Milliseconds after the probe was installed. */
  at: number;
  openAt: number | null;
  closeAt: number | null;
  readyState: string;
  sends: number;
  sentBytes: number;
  lastSendAt: number | null;
  bufferedAmount: number;
  lowEvents: number;
  lastLowAt: number | null;
  messages: number;
  receivedBytes: number;
  lastMessageAt: number | null;
  maxMessageSize: number | null;
}

export interface FileChannelReport {
  now: number;
  /** The SDK's own console lines (`[parley] ...`: link changes, outages, restarts), the last ones. */
  console: string[];
  /** Every call link this page made: its connection state and whether SCTP is up. */
  links: string[];
  /** Per link, the browser's own counts: each data channel's, and the selected candidate pair's packets (sent, received, dropped on send). */
  stats: string[][];
  /** File control messages this page sent on any channel, with when. */
  controls: [number, string][];
  channels: FileChannelRecord[];
}

/**
 * Starts recording in a page that already joined a call: every channel whose
 * label starts with `file:` that the page opens or is offered from now on,
 * and every `file-*` control message it sends. Changes no behaviour.
 */
const consoleLines = new WeakMap<Page, string[]>();
const CONSOLE_KEPT = 40;

export async function watchFileChannels(page: Page): Promise<void> {
  const lines: string[] = [];
  consoleLines.set(page, lines);
  const started = Date.now();
  page.on('console', (message) => {
    if (!message.text().includes('[parley]')) return;
    lines.push(`${Date.now() - started} ${message.text().slice(0, 200)}`);
    if (lines.length > CONSOLE_KEPT) lines.shift();
  });
  await page.evaluate(() => {
    const started = performance.now();
    const since = () => Math.round(performance.now() - started);
    const report: { controls: [number, string][]; channels: { record: Record<string, unknown>; channel: RTCDataChannel }[] } = {
      controls: [],
      channels: [],
    };
    const track = (channel: RTCDataChannel, side: 'created' | 'announced', pc: RTCPeerConnection) => {
      if (!channel.label.startsWith('file:')) return;
      const record: Record<string, unknown> = {
        label: channel.label,
        side,
        at: since(),
        openAt: channel.readyState === 'open' ? since() : null,
        closeAt: null,
        sends: 0,
        sentBytes: 0,
        lastSendAt: null,
        lowEvents: 0,
        lastLowAt: null,
        messages: 0,
        receivedBytes: 0,
        lastMessageAt: null,
        maxMessageSize: pc.sctp?.maxMessageSize ?? null,
      };
      report.channels.push({ record, channel });
      channel.addEventListener('open', () => (record['openAt'] = since()));
      channel.addEventListener('close', () => (record['closeAt'] = since()));
      channel.addEventListener('bufferedamountlow', () => {
        record['lowEvents'] = (record['lowEvents'] as number) + 1;
        record['lastLowAt'] = since();
      });
      channel.addEventListener('message', (event: MessageEvent) => {
        record['messages'] = (record['messages'] as number) + 1;
        record['receivedBytes'] = (record['receivedBytes'] as number) + (event.data instanceof ArrayBuffer ? event.data.byteLength : String(event.data).length);
        record['lastMessageAt'] = since();
      });
    };
    const pcs = (window as unknown as { __parleyPeerConnections: RTCPeerConnection[] }).__parleyPeerConnections;
    for (const pc of pcs) pc.addEventListener('datachannel', (event) => track(event.channel, 'announced', pc));
    const createDataChannel = RTCPeerConnection.prototype.createDataChannel;
    RTCPeerConnection.prototype.createDataChannel = function (this: RTCPeerConnection, label: string, init?: RTCDataChannelInit) {
      const channel = createDataChannel.call(this, label, init);
      track(channel, 'created', this);
      return channel;
    };
    const send = RTCDataChannel.prototype.send as (this: RTCDataChannel, data: unknown) => void;
    RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: unknown) {
      const entry = report.channels.find((candidate) => candidate.channel === this);
      if (entry) {
        entry.record['sends'] = (entry.record['sends'] as number) + 1;
        entry.record['sentBytes'] = (entry.record['sentBytes'] as number) + (typeof data === 'string' ? data.length : (data as ArrayBufferView).byteLength);
        entry.record['lastSendAt'] = since();
      } else if (typeof data === 'string' && data.includes('"file-')) {
        report.controls.push([since(), data.slice(0, 120)]);
      }
      send.call(this, data);
    } as typeof RTCDataChannel.prototype.send;
    Object.assign(window, {
      __fileChannels: () => ({
        now: since(),
        links: pcs.map((pc) => `${pc.connectionState} sctp=${pc.sctp?.state ?? 'none'} max=${pc.sctp?.maxMessageSize ?? '-'}`),
        controls: report.controls,
        channels: report.channels.map(({ record, channel }) => ({ ...record, readyState: channel.readyState, bufferedAmount: channel.bufferedAmount })),
      }),
    });
  });
}

export async function fileChannelReport(page: Page): Promise<FileChannelReport> {
  const report = await page.evaluate(() => (window as unknown as { __fileChannels: () => Omit<FileChannelReport, 'console' | 'stats'> }).__fileChannels());
  const stats = await page.evaluate(async () => {
    const pcs = (window as unknown as { __parleyPeerConnections: RTCPeerConnection[] }).__parleyPeerConnections;
    return Promise.all(
      pcs.map(async (pc) => {
        const lines: string[] = [];
        (await pc.getStats()).forEach((entry: Record<string, unknown>) => {
          if (entry['type'] === 'data-channel') {
            lines.push(`dc ${String(entry['label'])} ${String(entry['state'])} sent ${String(entry['messagesSent'])}/${String(entry['bytesSent'])} got ${String(entry['messagesReceived'])}/${String(entry['bytesReceived'])}`);
          } else if (entry['type'] === 'candidate-pair' && entry['nominated']) {
            lines.push(`pair ${String(entry['state'])} packets sent ${String(entry['packetsSent'])} got ${String(entry['packetsReceived'])} dropped on send ${String(entry['packetsDiscardedOnSend'])} rtt ${String(entry['currentRoundTripTime'])}`);
          }
        });
        return lines;
      }),
    );
  });
  return { ...report, stats, console: consoleLines.get(page) ?? [] };
}

/** One line per file channel: when it opened and closed, what went through, how often the sender waited for the buffer. */
export function channelSummary(report: FileChannelReport): string[] {
  return report.channels.map((channel) => {
    const moved = channel.side === 'created' ? `sent ${channel.sends} frames / ${channel.sentBytes} B` : `got ${channel.messages} frames / ${channel.receivedBytes} B`;
    return `${channel.side} open +${channel.openAt === null ? '-' : channel.openAt - channel.at} ms, ${moved}, ${channel.lowEvents} bufferedamountlow, buffered now ${channel.bufferedAmount}, ${channel.readyState}`;
  });
}
