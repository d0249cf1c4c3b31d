import type { SystemName } from './protocols.js';

/** One simulated participant: its name, its room, the names of its room mates, and the loopback address it connects from. */
export interface ClientSpec {
  name: string;
  room: string;
  peers: string[];
  address: string;
  /** Which of the system's server processes it connects to (an index into the connect command's ports). */
  node: number;
}

/** A call setup: `offerer` sends an offer and ten candidates; `answerer` answers the same way. */
export type Setup = readonly [offerer: string, answerer: string];

/** Orchestrator → load worker. */
export type WorkerCommand =
  | { type: 'connect'; system: SystemName; ports: number[]; clients: ClientSpec[]; ratePerSecond: number; timeoutMs: number }
  | { type: 'round'; round: number; startAt: number; ratePerSecond: number; setups: Setup[]; timeoutMs: number }
  | { type: 'stop' };

/** What one worker saw in one round: every message it expected, checked. */
export interface RoundTally {
  expected: number;
  /** Distinct messages received (duplicates not counted). */
  received: number;
  duplicates: number;
  /** Messages that arrived after a later one of the same sender to the same receiver. */
  outOfOrder: number;
  /** Arrived at a client it was not addressed to. */
  wrongPeer: number;
  /** The server stamped a sender other than the one that sent it. */
  wrongSender: number;
  /** Relay latency of each received message, ms. */
  latencies: number[];
  firstSentAt: number;
  lastReceivedAt: number;
  problems: string[];
}

/** Load worker → orchestrator. */
export type WorkerReport =
  | { type: 'connected'; clients: number; failed: number; problems: string[] }
  | { type: 'round-done'; round: number; tally: RoundTally };
