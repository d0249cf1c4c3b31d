import type { PeerLeftReason, ResumeMessage } from '@parley/protocol';
import type { Admission } from './Admission.js';
import type { ClientSession } from './ClientSession.js';
import type { IceServerProvider } from './iceServers.js';
import type { Logger } from './logger.js';
import type { SignalingMetrics } from './Metrics.js';
import type { ResumeTokens } from './ResumeTokens.js';
import type { RoomGateway } from './RoomGateway.js';
import type { RoomRegistry } from './RoomRegistry.js';

/**
 * What every session of one server shares. One object for all of them: a
 * session holds a reference, not a copy with closures of its own (at 10,000
 * idle connections every per-session byte counts).
 */
export interface SessionDeps {
  registry: RoomRegistry;
  /** The room's members on every node (the same as `registry` without Redis). */
  gateway: RoomGateway;
  admission: Admission;
  iceServers: IceServerProvider;
  tokens: ResumeTokens;
  resumeWindowMs: number;
  rateLimit: { perSecond: number; burst: number };
  log: Logger;
  metrics: SignalingMetrics;
  /** A `resume` arrived on this session's socket; the server decides which session it belongs to. */
  resume(session: ClientSession, message: ResumeMessage): void;
  /** The participant is now in a room, or no longer (and why; `moved`: it carries on at another node). */
  membershipChanged(session: ClientSession, member: boolean, reason?: PeerLeftReason | 'moved'): void;
}
