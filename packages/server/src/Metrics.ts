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
}

/** For tests and embedders that do not scrape metrics. */
export const NO_METRICS: SignalingMetrics = {
  connectionOpened() {},
  connectionClosed() {},
  joined() {},
  refused() {},
  relayed() {},
};

export interface ServerGauges {
  rooms(): number;
  participants(): number;
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
  readonly #relayed: Record<'signal' | 'media', Counter.Internal>;
  readonly #relayLatency: Record<'signal' | 'media', Histogram.Internal<'type'>>;

  constructor(gauges: ServerGauges) {
    collectDefaultMetrics({ register: this.registry, prefix: 'parley_' });
    this.#connections = new Gauge({ name: 'parley_connections', help: 'Open signaling WebSocket connections', registers: [this.registry] });
    new Gauge({
      name: 'parley_rooms',
      help: 'Rooms with at least one participant on this node',
      registers: [this.registry],
      collect() {
        this.set(gauges.rooms());
      },
    });
    new Gauge({
      name: 'parley_participants',
      help: 'Participants in rooms on this node (connected or holding their place)',
      registers: [this.registry],
      collect() {
        this.set(gauges.participants());
      },
    });
    this.#joins = new Counter({ name: 'parley_joins_total', help: 'Participants let into a room, by how (join, resume, restore)', labelNames: ['kind'], registers: [this.registry] });
    this.#refusals = new Counter({ name: 'parley_refusals_total', help: 'Messages and joins refused, by error code (rate-limited, room-full, bad-message...)', labelNames: ['code'], registers: [this.registry] });
    const relayed = new Counter({ name: 'parley_messages_relayed_total', help: 'Messages relayed to other participants, by type', labelNames: ['type'], registers: [this.registry] });
    const latency = new Histogram({
      name: 'parley_relay_seconds',
      help: 'Time from reading a message to handing it to the receivers’ sockets',
      labelNames: ['type'],
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
      registers: [this.registry],
    });
    this.#relayed = { signal: relayed.labels('signal'), media: relayed.labels('media') };
    this.#relayLatency = { signal: latency.labels('signal'), media: latency.labels('media') };
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
    this.#relayed[type].inc();
    this.#relayLatency[type].observe(seconds);
  }
}
