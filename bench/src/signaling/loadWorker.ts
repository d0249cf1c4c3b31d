#!/usr/bin/env node
/**
 * One load-generator process: a share of the clients, each a plain `ws`
 * WebSocket speaking one system's protocol. Driven over IPC by the
 * orchestrator (WorkerCommand), it connects its clients at a bounded rate,
 * runs call-setup rounds and checks every message that arrives.
 */
import { WebSocket } from 'ws';
import { MESSAGES_PER_DIRECTION, now, payloadText, readMarker, setupMessage } from './payloads.js';
import { PROTOCOLS, type ClientProtocol, type ProtocolEvents } from './protocols.js';
import type { ClientSpec, RoundTally, Setup, WorkerCommand, WorkerReport } from './workerMessages.js';

const MAX_PROBLEMS_KEPT = 20;
const TICK_MS = 5;

class LoadClient implements ProtocolEvents {
  socket: WebSocket | undefined;
  selfId: string | undefined;
  /** Room mates: name → wire id, and back. */
  readonly wireIds = new Map<string, string>();
  readonly names = new Map<string, string>();
  /** Signals sent so far (Parley's clients number theirs). */
  sent = 0;
  #ready = false;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(
    readonly spec: ClientSpec,
    private readonly protocol: ClientProtocol,
  ) {}

  open(ports: readonly number[]): void {
    const port = ports[this.spec.node] as number;
    const socket = new WebSocket(`ws://127.0.0.1:${port}${this.protocol.path(this.spec)}`, {
      // Browsers send Origin; Parley checks it, the others ignore it.
      headers: { Origin: `http://127.0.0.1:${port}` },
      perMessageDeflate: false,
      handshakeTimeout: 30_000,
      localAddress: this.spec.address,
    });
    this.socket = socket;
    socket.on('open', () => {
      this.protocol.opened(this.spec, this);
      const heartbeat = this.protocol.heartbeat;
      if (heartbeat) this.#heartbeat = setInterval(() => socket.send(heartbeat.text), heartbeat.everyMs);
    });
    socket.on('message', (data) => this.protocol.received(data.toString(), this.spec, this));
    socket.on('error', (error) => this.problem(`socket error: ${error.message}`));
    socket.on('close', (code) => {
      clearInterval(this.#heartbeat);
      if (!stopping) this.problem(`closed by the server (${code})`);
    });
  }

  ready(selfId: string): void {
    this.selfId = selfId;
    if (this.protocol.idsAreNames) for (const name of this.spec.peers) this.peer(name, name);
    this.#checkReady();
  }

  peer(id: string, name: string): void {
    this.wireIds.set(name, id);
    this.names.set(id, name);
    this.#checkReady();
  }

  signal(fromId: string, payload: unknown): void {
    received(this, fromId, payload);
  }

  send(text: string): void {
    this.socket?.send(text);
  }

  problem(text: string): void {
    problem(`${this.spec.name}: ${text}`);
  }

  close(): void {
    clearInterval(this.#heartbeat);
    this.socket?.terminate();
  }

  #checkReady(): void {
    if (this.#ready || this.selfId === undefined || this.spec.peers.some((name) => !this.wireIds.has(name))) return;
    this.#ready = true;
    clientReady();
  }
}

interface RoundState {
  number: number;
  tally: RoundTally;
  /** Per sender→receiver stream: which sequence numbers arrived, and the highest. */
  streams: Map<string, { seen: number; max: number }>;
  finish: () => void;
}

const clients = new Map<string, LoadClient>();
let protocol: ClientProtocol | undefined;
let stopping = false;
let problems: string[] = [];
let problemCount = 0;
let readyCount = 0;
let onAllReady: (() => void) | undefined;
let round: RoundState | undefined;

function problem(text: string): void {
  problemCount++;
  if (problems.length < MAX_PROBLEMS_KEPT) problems.push(text);
}

function clientReady(): void {
  readyCount++;
  if (readyCount === clients.size) onAllReady?.();
}

function report(message: WorkerReport): void {
  process.send?.(message);
}

/** Checks one relayed message; the answerer of a setup answers its offer. */
function received(client: LoadClient, fromId: string, payload: unknown): void {
  const at = now();
  const marker = readMarker(payloadText(payload));
  const state = round;
  if (!marker || !state || marker.round !== state.number) return problem(`${client.spec.name}: a message outside its round`);
  const tally = state.tally;
  if (marker.to !== client.spec.name) tally.wrongPeer++;
  if (client.names.get(fromId) !== marker.from) tally.wrongSender++;
  const key = `${marker.from}>${marker.to}`;
  const stream = state.streams.get(key) ?? { seen: 0, max: -1 };
  state.streams.set(key, stream);
  const bit = 2 ** marker.seq;
  if (Math.floor(stream.seen / bit) % 2 === 1) {
    tally.duplicates++;
    return;
  }
  stream.seen += bit;
  if (marker.seq < stream.max) tally.outOfOrder++;
  stream.max = Math.max(stream.max, marker.seq);
  tally.received++;
  tally.latencies.push(at - marker.sentAt);
  tally.lastReceivedAt = at;
  const description = (payload as { description?: { type?: string } }).description;
  if (marker.seq === 0 && description?.type === 'offer') sendSetup(client, marker.from, 'answer', state);
  if (tally.received >= tally.expected) state.finish();
}

function sendSetup(client: LoadClient, to: string, type: 'offer' | 'answer', state: RoundState): void {
  const wireId = client.wireIds.get(to);
  const socket = client.socket;
  if (wireId === undefined || !socket) return problem(`${client.spec.name}: does not know ${to}`);
  if (state.tally.firstSentAt === 0) state.tally.firstSentAt = now();
  for (let seq = 0; seq < MESSAGES_PER_DIRECTION; seq++) {
    socket.send((protocol as ClientProtocol).encode(wireId, setupMessage(type, { from: client.spec.name, to, round: state.number, seq }), client.sent++));
  }
}

/** Opens every client at the given rate and reports once each has its room mates' ids. */
function connect(command: Extract<WorkerCommand, { type: 'connect' }>): void {
  protocol = PROTOCOLS[command.system];
  for (const spec of command.clients) clients.set(spec.name, new LoadClient(spec, protocol));
  const all = [...clients.values()];
  const started = now();
  let opened = 0;
  const done = () => {
    clearInterval(opener);
    clearTimeout(timeout);
    onAllReady = undefined;
    report({ type: 'connected', clients: clients.size, failed: clients.size - readyCount, problems: takeProblems() });
  };
  onAllReady = done;
  const opener = setInterval(() => {
    const due = Math.min(all.length, Math.floor(((now() - started) * command.ratePerSecond) / 1000) + 1);
    for (; opened < due; opened++) all[opened]?.open(command.ports);
    if (opened >= all.length) clearInterval(opener);
  }, TICK_MS);
  const timeout = setTimeout(done, command.timeoutMs);
  if (all.length === 0) done();
}

/**
 * Starts the setups whose offerer lives here at startAt + j/rate (all at
 * startAt for a burst) and reports when every message addressed to a client
 * here has arrived, or at the timeout.
 */
function runRound(command: Extract<WorkerCommand, { type: 'round' }>): void {
  const tally: RoundTally = { expected: 0, received: 0, duplicates: 0, outOfOrder: 0, wrongPeer: 0, wrongSender: 0, latencies: [], firstSentAt: 0, lastReceivedAt: 0, problems: [] };
  const mine: { at: number; setup: Setup }[] = [];
  command.setups.forEach((setup, j) => {
    const [offerer, answerer] = setup;
    if (clients.has(offerer)) {
      tally.expected += MESSAGES_PER_DIRECTION;
      mine.push({ at: command.startAt + (command.ratePerSecond > 0 ? (j * 1000) / command.ratePerSecond : 0), setup });
    }
    if (clients.has(answerer)) tally.expected += MESSAGES_PER_DIRECTION;
  });
  let started = 0;
  let finished = false;
  const state: RoundState = {
    number: command.round,
    tally,
    streams: new Map(),
    finish: () => {
      if (finished) return;
      finished = true;
      clearInterval(starter);
      clearTimeout(timeout);
      tally.problems = takeProblems();
      report({ type: 'round-done', round: command.round, tally });
    },
  };
  round = state;
  const starter = setInterval(() => {
    const at = now();
    for (; started < mine.length && (mine[started]?.at ?? Infinity) <= at; started++) {
      const [offerer, answerer] = (mine[started] as { setup: Setup }).setup;
      sendSetup(clients.get(offerer) as LoadClient, answerer, 'offer', state);
    }
    if (started >= mine.length) clearInterval(starter);
  }, TICK_MS);
  const timeout = setTimeout(() => state.finish(), command.timeoutMs);
  if (tally.expected === 0) state.finish();
}

function takeProblems(): string[] {
  const taken = problemCount > problems.length ? [...problems, `… ${problemCount - problems.length} more`] : problems;
  problems = [];
  problemCount = 0;
  return taken;
}

process.on('message', (command: WorkerCommand) => {
  switch (command.type) {
    case 'connect':
      return connect(command);
    case 'round':
      return runRound(command);
    case 'stop':
      stopping = true;
      for (const client of clients.values()) client.close();
      process.exit(0);
  }
});
// The orchestrator going away means the run is over.
process.on('disconnect', () => process.exit(0));
