import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ErrorCode } from '@parley/protocol';

/** What the server reports to Prometheus. Signaling code calls these; it never sees prom-client. */
export interface SignalingMetrics {
  connectionOpened(): void;
  connectionClosed(): void;
  /** A join or resume let someone into a room. */
  joined(kind: 'join' | 'resume' | 'restore'): void;
  /** A message answered with an error, by its code (rate limits, bad input, refused joins...). */
  refused(code: ErrorCode): void;
  /** A message passed on to others, with how long the server took to handle it. */
  relayed(type: 'signal' | 'media', seconds: number): void;
  /** The node stopped reading its clients' sockets (ReadPause: the bus to the other nodes is congested). */
  readPauseStarted(): void;
  /** ...and read them again after `seconds`. */
  readPauseEnded(seconds: number): void;
  /** A connection that joined no room within JOIN_TIMEOUT_MS was closed. */
  joinTimedOut(): void;
  /**
   * Messages from other nodes for members this node did not hold when they
   * came: held until the member's join here was answered, or dropped.
   */
  clusterDeliveryMissed(outcome: ClusterDeliveryMiss, count: number): void;
  /** With Redis: this node was declared dead while running (`evicted`), or it reaped a dead one (`reaped`). */
  clusterPresence(event: 'evicted' | 'reaped'): void;
}

/** See SignalingMetrics.clusterDeliveryMissed. */
export type ClusterDeliveryMiss = 'held-for-join' | 'dropped';

/** For tests and embedders that do not scrape metrics. */
export const NO_METRICS: SignalingMetrics = {
  connectionOpened() {},
  connectionClosed() {},
  joined() {},
  refused() {},
  relayed() {},
  readPauseStarted() {},
  readPauseEnded() {},
  joinTimedOut() {},
  clusterDeliveryMissed() {},
  clusterPresence() {},
};

export interface ServerGauges {
  rooms(): number;
  participants(): number;
  /** Client sockets not being read now (ReadPause). */
  readPausedSockets(): number;
}

/**
 * Prometheus metrics on a registry of our own (not the global one, so two
 * servers in one process do not collide), with Node's default metrics. Label
 * children are bound once: the relay path costs an increment, not a lookup.
 */
export class PrometheusMetrics implements SignalingMetrics {
  readonly registry = new Registry();
  readonly #connections: Gauge;
  readonly #joins: Counter<'kind'>;
  readonly #refusals: Counter<'code'>;
  readonly #relayedCounts: Record<'signal' | 'media', number> = { signal: 0, media: 0 };
  readonly #relayLatency: Record<'signal' | 'media', Histogram.Internal<'type'>>;
  readonly #readPauses: Counter;
  readonly #readPauseSeconds: Counter;
  readonly #joinTimeouts: Counter;
  readonly #deliveriesMissed: Record<ClusterDeliveryMiss, Counter.Internal>;
  readonly #presence: Record<'evicted' | 'reaped', Counter>;

  constructor(gauges: ServerGauges) {
    collectDefaultMetrics({ register: this.registry, prefix: 'parley_' });
    this.#connections = new Gauge({ name: 'parley_connections', help: 'Open signaling WebSocket connections', registers: [this.registry] });
    this.#readAtScrape('parley_rooms', 'Rooms with at least one participant on this node', () => gauges.rooms());
    this.#readAtScrape('parley_participants', 'Participants in rooms on this node (connected or holding their place)', () => gauges.participants());
    this.#joins = new Counter({ name: 'parley_joins_total', help: 'Participants let into a room, by how (join, resume, restore)', labelNames: ['kind'], registers: [this.registry] });
    this.#refusals = new Counter({ name: 'parley_refusals_total', help: 'Messages and joins refused, by error code (rate-limited, room-full, bad-message...)', labelNames: ['code'], registers: [this.registry] });
    // Counted in plain numbers on the relay path and handed over at scrape time: Counter.inc costs a labels object and a hash per call.
    const relayedCounts = this.#relayedCounts;
    new Counter({
      name: 'parley_messages_relayed_total',
      help: 'Messages relayed to other participants, by type',
      labelNames: ['type'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [type, count] of Object.entries(relayedCounts)) this.inc({ type }, count);
      },
    });
    const latency = new Histogram({
      name: 'parley_relay_seconds',
      help: 'Time from reading a message to handing it to the receivers’ sockets',
      labelNames: ['type'],
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
      registers: [this.registry],
    });
    this.#relayLatency = { signal: latency.labels('signal'), media: latency.labels('media') };
    // Flow control and the join timeout act on clients silently: a slow or lost join is explained here, not in the logs at info.
    this.#readPauses = new Counter({ name: 'parley_read_pauses_total', help: 'Times this node stopped reading its clients because its bus to the other nodes was congested', registers: [this.registry] });
    this.#readPauseSeconds = new Counter({ name: 'parley_read_pause_seconds_total', help: 'Time this node spent not reading its clients (bus congested)', registers: [this.registry] });
    this.#readAtScrape('parley_read_paused_sockets', 'Client sockets not being read now (bus congested)', () => gauges.readPausedSockets());
    this.#joinTimeouts = new Counter({ name: 'parley_join_timeouts_total', help: 'Connections closed for joining no room within JOIN_TIMEOUT_MS', registers: [this.registry] });
    const missed = new Counter({
      name: 'parley_cluster_deliveries_missed_total',
      help: 'Messages from other nodes for a member not held here when they came: held-for-join (its join was being answered; delivered after its joined) or dropped (in the room on no other node)',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.#deliveriesMissed = { 'held-for-join': missed.labels('held-for-join'), dropped: missed.labels('dropped') };
    // Listed at 0 from the start: a rate over a series that appears only with its first event misses that event.
    for (const child of Object.values(this.#deliveriesMissed)) child.inc(0);
    // A node starved of CPU or of Redis for longer than PRESENCE_TTL_MS is declared dead by the others and its participants dropped everywhere.
    this.#presence = {
      evicted: new Counter({ name: 'parley_cluster_evictions_total', help: 'Times this node was declared dead by the others while it was running (its participants were dropped everywhere)', registers: [this.registry] }),
      reaped: new Counter({ name: 'parley_cluster_nodes_reaped_total', help: 'Dead nodes this node found and removed from the rooms', registers: [this.registry] }),
    };
  }

  connectionOpened(): void {
    this.#connections.inc();
  }

  connectionClosed(): void {
    this.#connections.dec();
  }

  joined(kind: 'join' | 'resume' | 'restore'): void {
    this.#joins.inc({ kind });
  }

  refused(code: ErrorCode): void {
    this.#refusals.inc({ code });
  }

  relayed(type: 'signal' | 'media', seconds: number): void {
    this.#relayedCounts[type]++;
    this.#relayLatency[type].observe(seconds);
  }

  readPauseStarted(): void {
    this.#readPauses.inc();
  }

  readPauseEnded(seconds: number): void {
    this.#readPauseSeconds.inc(seconds);
  }

  joinTimedOut(): void {
    this.#joinTimeouts.inc();
  }

  clusterDeliveryMissed(outcome: ClusterDeliveryMiss, count: number): void {
    this.#deliveriesMissed[outcome].inc(count);
  }

  clusterPresence(event: 'evicted' | 'reaped'): void {
    this.#presence[event].inc();
  }

  /** A gauge whose value is read when /metrics is scraped, not kept up to date. */
  #readAtScrape(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }
}
