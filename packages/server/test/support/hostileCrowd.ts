import { once } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import { WebSocket } from 'ws';
import { decodeClientMessage, isErrorCode } from '@parley/protocol';
import { hostileMessages, type HostileMessage } from './hostileMessages.js';

/**
 * The hostile crowd, in a worker thread of its own so that its work does not
 * delay the legitimate clients the test times: fuzzing sockets sending
 * schema-shaped garbage in lockstep with a probe, and one flooder.
 */

export interface CrowdOrders {
  wsUrl: string;
  sockets: number;
  messages: number;
  seed: number;
  maxMessageBytes: number;
  /** Each fuzzing socket keeps under this many frames a second (the server's limit is above it). */
  framesPerSecond: number;
  flood: { perSecond: number; seconds: number };
}

export interface CrowdReport {
  messages: number;
  fuzzSeconds: number;
  outcome: Outcome;
  flood: { sent: number; closeCode: number; cutAfterMs: number };
}

/** Probe ids sit above any id the generator makes, so a reply is never mistaken for a probe's. */
const PROBE_ID_BASE = 2_000_000_000;
/** Replies to a request; everything else the server sends is a push. */
const REPLY_TYPES = new Set(['error', 'ok', 'joined', 'ice-servers']);

/** What became of each hostile message. */
export interface Outcome {
  answered: number;
  silentByDesign: number;
  closedOversized: number;
  closedFlooding: number;
  unexplained: string[];
  codes: Record<string, number>;
}

/**
 * Sends each message, then a probe the server must answer, and counts what
 * came back in between: that is the server's whole reaction to the message
 * (it answers in order). A closed socket is replaced and the run goes on.
 */
async function sendHostile(url: string, messages: HostileMessage[], framesPerSecond: number, outcome: Outcome): Promise<void> {
  let probe = PROBE_ID_BASE;
  let socket: WebSocket | undefined;
  let replies: { type: string; code?: string; id?: number }[] = [];
  let closed: { code: number } | undefined;
  let wake: (() => void) | undefined;

  const open = async () => {
    const next = new WebSocket(url);
    next.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { type: string; code?: string; id?: number };
      if (REPLY_TYPES.has(message.type)) replies.push(message);
      if (message.id !== undefined && message.id >= PROBE_ID_BASE) wake?.();
    });
    next.on('close', (code) => {
      closed = { code };
      wake?.();
    });
    next.on('error', () => {});
    await once(next, 'open');
    socket = next;
    closed = undefined;
  };

  const started = performance.now();
  let frames = 0;
  for (const message of messages) {
    if (!socket || closed) await open();
    // Stay under the rate limit, so what the server says is about the message, not the pace.
    while (frames > ((performance.now() - started) / 1000) * framesPerSecond) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    replies = [];
    const probeId = ++probe;
    let timer: NodeJS.Timeout | undefined;
    const settled = new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, 3000);
    });
    socket!.send(message.text);
    if (socket!.readyState === WebSocket.OPEN) socket!.send(JSON.stringify({ type: 'probe', id: probeId }));
    frames += 2;
    await settled;
    clearTimeout(timer);
    if (!closed && !replies.some((r) => r.id === probeId)) {
      outcome.unexplained.push(`no answer to the probe after ${message.text.slice(0, 120)}`);
      socket!.terminate();
      continue;
    }
    const answers = replies.filter((r) => r.id !== probeId);
    if (answers.length === 1) {
      const code = answers[0]!.type === 'error' ? String(answers[0]!.code) : answers[0]!.type;
      if (answers[0]!.type === 'error' && !isErrorCode(answers[0]!.code)) outcome.unexplained.push(`unknown code ${code}`);
      outcome.answered++;
      outcome.codes[code] = (outcome.codes[code] ?? 0) + 1;
    } else if (answers.length === 0 && closed?.code === 1009 && message.oversized) {
      outcome.closedOversized++;
    } else if (answers.length === 0 && closed?.code === 1008) {
      outcome.closedFlooding++;
    } else if (answers.length === 0 && isSilentSuccess(message.text)) {
      outcome.silentByDesign++;
    } else {
      outcome.unexplained.push(`${answers.length} replies (closed ${closed?.code}) to ${message.text.slice(0, 120)}`);
    }
  }
  socket?.close();
}

/** Valid messages without an id that succeed are silent by protocol (fire-and-forget). */
function isSilentSuccess(text: string): boolean {
  const decoded = decodeClientMessage(text);
  return decoded.ok && decoded.message.id === undefined && ['signal', 'media', 'leave'].includes(decoded.message.type);
}

/** Sends `perSecond` frames a second in 10 ms slices until closed or `seconds` pass. */
async function floodFrom(url: string, perSecond: number, seconds: number): Promise<CrowdReport['flood']> {
  const socket = new WebSocket(url);
  socket.on('error', () => {});
  await once(socket, 'open');
  const started = performance.now();
  let cutAfterMs = Infinity;
  let closeCode = 0;
  socket.once('close', (code) => {
    cutAfterMs = performance.now() - started;
    closeCode = code;
  });
  const frame = JSON.stringify({ type: 'signal', to: 'nobody', signal: { candidate: { candidate: 'flood' } } });
  let sent = 0;
  while (socket.readyState === WebSocket.OPEN && performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * perSecond);
    for (; sent < due && socket.readyState === WebSocket.OPEN; sent++) socket.send(frame);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  if (socket.readyState !== WebSocket.CLOSED) await once(socket, 'close');
  return { sent, closeCode, cutAfterMs };
}

async function run(orders: CrowdOrders): Promise<CrowdReport> {
  const messages = hostileMessages(orders.messages, orders.seed, orders.maxMessageBytes);
  const outcome: Outcome = { answered: 0, silentByDesign: 0, closedOversized: 0, closedFlooding: 0, unexplained: [], codes: {} };
  const flood = floodFrom(orders.wsUrl, orders.flood.perSecond, orders.flood.seconds);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: orders.sockets }, (_, i) =>
      sendHostile(orders.wsUrl, messages.filter((_, n) => n % orders.sockets === i), orders.framesPerSecond, outcome),
    ),
  );
  const fuzzSeconds = (performance.now() - started) / 1000;
  return { messages: messages.length, fuzzSeconds, outcome, flood: await flood };
}

parentPort?.postMessage(await run(workerData as CrowdOrders));
