import type { Browser, BrowserContext, Page } from '@playwright/test';
import type { ParleyProcess } from '@parley/testbed';

/** What the instrumented page records (window.__bench). */
export interface ParleyMarks {
  /** Date.now() of the click on "Join". */
  clickedAt: number;
  /** Per remote tile (its label, the participant's name): Date.now() of its first presented frame. */
  firstFrames: Record<string, number>;
  /**
   * Date.now() and what happened, in order: the signaling socket, peer
   * connection states, descriptions, \`track\` events and \`srcObject\`
   * assignments. Read it to see where the time to first frame goes
   * (BENCH_TIMELINE=1 prints it).
   */
  timeline: [number, string][];
}

/**
 * Runs in the Parley page before the app: notes the click on "Join" and, per
 * remote tile, when its first frame is presented (requestVideoFrameCallback);
 * and keeps every RTCPeerConnection the app makes (a subclass that changes no
 * behaviour) so a benchmark can read getStats().
 */
function instrumentParley(): void {
  const marks: ParleyMarks = { clickedAt: 0, firstFrames: {}, timeline: [] };
  const note = (what: string) => marks.timeline.push([Date.now(), what]);
  const pcs: RTCPeerConnection[] = [];
  Object.assign(window, { __bench: marks, __benchPcs: pcs });
  /** What a signaling message is, in a few words: its type, and for a signal what it carries. */
  const describe = (data: unknown): string => {
    try {
      const message = JSON.parse(String(data)) as { type?: string; signal?: { description?: { type?: string } } };
      if (message.type !== 'signal') return message.type ?? '?';
      return `signal ${message.signal?.description?.type ?? 'candidate'}`;
    } catch {
      return '?';
    }
  };
  const NativeSocket = window.WebSocket;
  window.WebSocket = class extends NativeSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      note('ws new');
      this.addEventListener('open', () => note('ws open'));
      this.addEventListener('message', (event) => note(`ws <- ${describe(event.data)}`));
    }
    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      note(`ws -> ${describe(data)}`);
      super.send(data);
    }
  };
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      // Made without a configuration: the SDK's warm-up on the pre-join screen (warmUpWebRtc), closed at once, not a link.
      if (configuration === undefined) {
        note('pc warm-up');
        return;
      }
      const n = pcs.push(this);
      note(`pc${n} new`);
      this.addEventListener('signalingstatechange', () => note(`pc${n} signaling ${this.signalingState}`));
      this.addEventListener('iceconnectionstatechange', () => note(`pc${n} ice ${this.iceConnectionState}`));
      this.addEventListener('connectionstatechange', () => note(`pc${n} connection ${this.connectionState}`));
      this.addEventListener('track', (event) => note(`pc${n} track ${event.track.kind}`));
      this.addEventListener('datachannel', ({ channel }) => note(`pc${n} channel ${channel.label} from the peer`));
    }
    override createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
      const channel = super.createDataChannel(label, init);
      channel.addEventListener('open', () => note(`pc${pcs.indexOf(this) + 1} channel ${label} open`));
      return channel;
    }
  };
  const srcObject = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'srcObject');
  Object.defineProperty(HTMLMediaElement.prototype, 'srcObject', {
    configurable: true,
    get(this: HTMLMediaElement) {
      return srcObject?.get?.call(this);
    },
    set(this: HTMLMediaElement, value: MediaStream | null) {
      const label = this.closest('section')?.getAttribute('aria-label') ?? '';
      note(`srcObject ${label}: ${value ? value.getTracks().map((t) => t.kind).join('+') || 'empty' : 'null'}`);
      srcObject?.set?.call(this, value);
    },
  });
  document.addEventListener(
    'click',
    (event) => {
      const button = (event.target as Element | null)?.closest('button');
      if (button?.textContent?.trim() === 'Join') {
        marks.clickedAt = Date.now();
        note(`click Join (${document.visibilityState}${document.hasFocus() ? ', focused' : ''})`);
      }
    },
    true,
  );
  // A file transfer's row says its state in data-state: note every change (offered, transferring, verifying, complete...).
  new MutationObserver((records) => {
    for (const record of records) {
      const row = record.target as Element;
      if (row.tagName === 'LI' && row.hasAttribute('data-state')) note(`transfer ${row.getAttribute('aria-label') ?? ''}: ${row.getAttribute('data-state') ?? ''}`);
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
  const watched = new WeakSet<HTMLVideoElement>();
  new MutationObserver(() => {
    for (const video of Array.from(document.querySelectorAll<HTMLVideoElement>('section[role="group"] video'))) {
      const label = video.closest('section')?.getAttribute('aria-label') ?? '';
      if (label.endsWith('(you)') || label === 'You' || watched.has(video)) continue;
      watched.add(video);
      const wait = () =>
        video.requestVideoFrameCallback(() => {
          if (video.videoWidth > 0) {
            marks.firstFrames[label] ??= Date.now();
            note(`first frame from ${label} (${video.videoWidth}x${video.videoHeight})`);
          } else wait();
        });
      wait();
    }
  }).observe(document, { subtree: true, childList: true });
}

/** One person in the Parley web app, from the room link through the pre-join screen. */
export class ParleyPerson {
  private constructor(
    readonly page: Page,
    readonly name: string,
  ) {}

  /** Opens the room link in a fresh context of `browser`, types the name, and waits at "Join". */
  static async open(browser: Browser, server: ParleyProcess, room: string, name: string): Promise<ParleyPerson> {
    const context: BrowserContext = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    const page = await context.newPage();
    await page.addInitScript(instrumentParley);
    await page.goto(server.roomUrl(room));
    await page.getByRole('textbox', { name: 'Your name' }).fill(name);
    await page.getByRole('button', { name: 'Join', exact: true }).waitFor();
    // The button is enabled once the camera has started.
    await page.waitForFunction(() => {
      const button = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Join');
      return button !== undefined && !button.disabled;
    });
    return new ParleyPerson(page, name);
  }

  /** Turns the camera off on the pre-join screen, so the call carries audio only. */
  async turnCameraOff(): Promise<void> {
    await this.page.getByRole('button', { name: 'Turn camera off' }).click();
    await this.page.getByRole('button', { name: 'Turn camera on' }).waitFor();
  }

  async clickJoin(): Promise<void> {
    await this.page.getByRole('button', { name: 'Join', exact: true }).click();
  }

  async waitInCall(): Promise<void> {
    await this.page.getByRole('group', { name: `${this.name} (you)` }).waitFor();
  }

  marks(): Promise<ParleyMarks> {
    return this.page.evaluate(() => (window as unknown as { __bench: ParleyMarks }).__bench);
  }

  /**
   * Bytes sent so far over every peer connection the page made (outbound
   * RTP, audio and video). A closed connection reports nothing: it counts
   * with what it had sent when last read, so the total never goes back.
   */
  bytesSent(): Promise<number> {
    return this.page.evaluate(async () => {
      const page = window as unknown as { __benchPcs: RTCPeerConnection[]; __benchSent?: Map<RTCPeerConnection, number> };
      const last = (page.__benchSent ??= new Map());
      let total = 0;
      for (const pc of page.__benchPcs) {
        if (pc.connectionState !== 'closed') {
          let sent = 0;
          (await pc.getStats()).forEach((report: Record<string, unknown>) => {
            if (report['type'] === 'outbound-rtp') sent += Number(report['bytesSent'] ?? 0);
          });
          last.set(pc, sent);
        }
        total += last.get(pc) ?? 0;
      }
      return total;
    });
  }

  /** How many peer connections the page has made, and how many of them are closed. */
  peerConnections(): Promise<{ made: number; closed: number }> {
    return this.page.evaluate(() => {
      const pcs = (window as unknown as { __benchPcs: RTCPeerConnection[] }).__benchPcs;
      return { made: pcs.length, closed: pcs.filter((pc) => pc.connectionState === 'closed').length };
    });
  }

  async close(): Promise<void> {
    await this.page.context().close();
  }
}

/**
 * Polls until every one of `people` shows a first frame from each of the
 * others; returns the time the last of those frames came (Date.now()).
 */
export async function everyPairShowsVideo(people: readonly ParleyPerson[], timeoutMs = 20_000): Promise<number> {
  for (let waited = 0; waited < timeoutMs; waited += 10) {
    const marks = await Promise.all(people.map((person) => person.marks()));
    const complete = marks.every((mark, i) =>
      people.every((other, j) => i === j || mark.firstFrames[other.name] !== undefined),
    );
    if (complete) return Math.max(...marks.flatMap((mark) => Object.values(mark.firstFrames)));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`not every pair showed video within ${timeoutMs / 1000} s`);
}
