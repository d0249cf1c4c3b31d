import type { Page } from '@playwright/test';

/** What a page did with one WebSocket, on the page's clock (Date.now()). */
export interface SocketRecord {
  createdAt: number;
  openedAt?: number;
  closedAt?: number;
  closeCode?: number;
  /** The `type` of every message the page sent on it, in order. */
  sent: string[];
}

export interface SocketLog {
  sockets: SocketRecord[];
  /** When the person clicked "Join" (0: not yet). */
  joinClickedAt: number;
}

/**
 * Runs in the page before the app: records every WebSocket it opens (when
 * made, opened, closed and with which code, and the type of each message
 * sent), and when "Join" was clicked. It subclasses the browser's own class
 * and changes no behaviour.
 */
export function observeSockets(): void {
  const log: SocketLog = { sockets: [], joinClickedAt: 0 };
  (window as unknown as { __parleySockets: SocketLog }).__parleySockets = log;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    readonly #record: SocketRecord;
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      const record: SocketRecord = { createdAt: Date.now(), sent: [] };
      this.#record = record;
      log.sockets.push(record);
      this.addEventListener('open', () => (record.openedAt = Date.now()));
      this.addEventListener('close', (event) => {
        record.closedAt = Date.now();
        record.closeCode = event.code;
      });
    }
    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      let type = '?';
      try {
        type = String((JSON.parse(String(data)) as { type?: unknown }).type);
      } catch {
        // Not JSON: recorded as '?'.
      }
      this.#record.sent.push(type);
      super.send(data);
    }
  };
  document.addEventListener(
    'click',
    (event) => {
      const button = (event.target as Element | null)?.closest('button');
      if (button?.textContent?.trim() === 'Join') log.joinClickedAt = Date.now();
    },
    true,
  );
}

export function socketLog(page: Page): Promise<SocketLog> {
  return page.evaluate(() => (window as unknown as { __parleySockets: SocketLog }).__parleySockets);
}
