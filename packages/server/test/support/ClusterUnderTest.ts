import type { ClientOptions } from 'ws';
import { ParleyCluster, type ParleyClusterOptions } from '@parley/testbed';
import { ResumingParticipant } from './ResumingParticipant.js';
import { TestClient } from './TestClient.js';

/**
 * Real server processes on one real redis-server behind a TCP balancer
 * (ParleyCluster), with what every multi-node test needs: fresh room names,
 * clients placed on a chosen node, participants that resume through the
 * balancer, and each node's view of a room. Everything it made is closed by
 * `stop()`. Heavy: run under flock /tmp/parley-heavy.lock.
 */
export class ClusterUnderTest {
  readonly people: ResumingParticipant[] = [];
  readonly #clients: TestClient[] = [];
  #rooms = 0;

  private constructor(
    readonly cluster: ParleyCluster,
    readonly roomPrefix: string,
  ) {}

  static async start(roomPrefix: string, options: ParleyClusterOptions): Promise<ClusterUnderTest> {
    return new ClusterUnderTest(await ParleyCluster.start(options), roomPrefix);
  }

  newRoom(): string {
    return `${this.roomPrefix}-${++this.#rooms}`;
  }

  /** A bare client connected to node `index` (past the balancer); `localAddress` picks its loopback address. */
  async connect(index: number, options: ClientOptions = {}): Promise<TestClient> {
    const client = await TestClient.connect(this.cluster.nodeWsUrl(index), options);
    this.#clients.push(client);
    return client;
  }

  /** Joins `room` at `url` as a participant that resumes through the balancer when its socket drops. */
  async join(url: string, room: string, name: string, options: { autoResume?: boolean } = {}): Promise<ResumingParticipant> {
    const person = await ResumingParticipant.join(url, room, name, { resumeUrl: this.cluster.wsUrl, ...options });
    this.people.push(person);
    return person;
  }

  /** Joins on node `index`. */
  async joinAt(index: number, room: string, name: string, options: { autoResume?: boolean } = {}): Promise<ResumingParticipant> {
    return await this.join(this.cluster.nodeWsUrl(index), room, name, options);
  }

  /** Joins through the balancer and says which node it landed on. */
  async joinThroughBalancer(room: string, name: string, options: { autoResume?: boolean } = {}): Promise<{ person: ResumingParticipant; node: number }> {
    const node = this.cluster.nodes.findIndex((n) => n.port === this.cluster.balancer.nextBackend);
    return { person: await this.join(this.cluster.wsUrl, room, name, options), node };
  }

  /**
   * Who node `index` lists in `room` (an open room: no password, no lobby):
   * a probe joins there, reads the list and leaves. A leave is answered before
   * Redis has it, so the probe of the node asked just before may still be
   * listed: probes are left out.
   */
  async membersSeenBy(index: number, room: string): Promise<string[]> {
    const probe = await TestClient.connect(this.cluster.nodeWsUrl(index));
    const joined = await probe.join(room, `probe-${index}`);
    await probe.request({ type: 'leave' });
    await probe.close();
    return joined.peers.map((peer) => peer.name).filter((name) => !name.startsWith('probe-')).sort();
  }

  /** Closes every client and participant, then the cluster. */
  async stop(): Promise<void> {
    for (const person of this.people) await person.close().catch(() => undefined);
    for (const client of this.#clients) await client.close().catch(() => undefined);
    await this.cluster.stop();
  }
}
