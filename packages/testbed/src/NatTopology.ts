import { NetworkLab } from './NetworkLab.js';

/**
 * How a home router treats UDP:
 * - `cone`: endpoint-independent mapping (Linux MASQUERADE keeps the port),
 *   so STUN's server-reflexive address works for other peers too;
 * - `symmetric`: a new random port for every destination (`--random-fully`),
 *   so only a TURN relay gets through;
 * - `udp-blocked`: no UDP leaves the home at all; only TURN over TCP works.
 */
export type NatKind = 'cone' | 'symmetric' | 'udp-blocked';

export interface Home {
  /** Namespace of the computer in this home. */
  ns: string;
  /** Namespace of its NAT router. */
  router: string;
  address: string;
  publicAddress: string;
  kind: NatKind;
}

/** The "internet" of the tests: a documentation range, given only to our own namespaces. */
export const PUBLIC_SUBNET = '203.0.113';
export const SERVER_ADDRESS = `${PUBLIC_SUBNET}.10`;
const HOST_ADDRESS = `${PUBLIC_SUBNET}.1`;

/**
 * A small internet: a "public" namespace holding the servers at 203.0.113.10
 * on a bridge, this host at 203.0.113.1 (so tests can reach the servers), and
 * one home per entry in `kinds`, each a computer behind its own NAT router.
 */
export class NatTopology {
  private constructor(
    readonly lab: NetworkLab,
    readonly publicNs: string,
    readonly homes: Home[],
  ) {}

  static async build(kinds: readonly NatKind[], lab = NetworkLab.create()): Promise<NatTopology> {
    await NetworkLab.removeStale();
    const p = lab.prefix;
    try {
      const publicNs = await lab.addNamespace('pub');
      await lab.exec(publicNs, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
      await lab.exec(publicNs, 'ip', 'addr', 'add', `${SERVER_ADDRESS}/24`, 'dev', 'br0');
      await lab.exec(publicNs, 'ip', 'link', 'set', 'br0', 'up');
      await lab.link({ ns: null, ifname: `${p}h`, address: `${HOST_ADDRESS}/24` }, { ns: publicNs, ifname: 'uplink', address: null });
      await lab.exec(publicNs, 'ip', 'link', 'set', 'uplink', 'master', 'br0');

      const homes: Home[] = [];
      for (const [index, kind] of kinds.entries()) {
        const n = index + 1;
        const router = await lab.addNamespace(`nat${n}`);
        const ns = await lab.addNamespace(`home${n}`);
        const publicAddress = `${PUBLIC_SUBNET}.${20 + n}`;
        const address = `192.168.${10 + n}.2`;
        await lab.link({ ns: router, ifname: 'wan', address: `${publicAddress}/24` }, { ns: publicNs, ifname: `wan${n}`, address: null });
        await lab.exec(publicNs, 'ip', 'link', 'set', `wan${n}`, 'master', 'br0');
        await lab.link({ ns: router, ifname: 'lan', address: `192.168.${10 + n}.1/24` }, { ns, ifname: 'eth0', address: `${address}/24` });
        await lab.exec(ns, 'ip', 'route', 'add', 'default', 'via', `192.168.${10 + n}.1`);
        await lab.exec(router, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
        await lab.exec(router, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE', ...(kind === 'symmetric' ? ['--random-fully'] : []));
        // A home router lets replies in and nothing else.
        await lab.exec(router, 'iptables', '-A', 'FORWARD', '-i', 'wan', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT');
        await lab.exec(router, 'iptables', '-A', 'FORWARD', '-i', 'wan', '-j', 'DROP');
        // Unsolicited packets to the router itself are dropped too. Besides being what routers do,
        // it matters for hole punching: a dropped packet's conntrack entry is never confirmed,
        // while an accepted one would occupy the reply tuple and push our next outgoing mapping
        // to a new port, turning a cone NAT symmetric by accident.
        await lab.exec(router, 'iptables', '-A', 'INPUT', '-i', 'wan', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT');
        await lab.exec(router, 'iptables', '-A', 'INPUT', '-i', 'wan', '-j', 'DROP');
        if (kind === 'udp-blocked') await lab.exec(router, 'iptables', '-A', 'FORWARD', '-i', 'lan', '-p', 'udp', '-j', 'DROP');
        homes.push({ ns, router, address, publicAddress, kind });
      }
      return new NatTopology(lab, publicNs, homes);
    } catch (error) {
      await lab.destroy();
      throw error;
    }
  }

  /**
   * Drops everything between two homes (both directions, at `a`'s router),
   * while both still reach the servers: the peer-to-peer path breaks, signaling
   * does not. `reconnect()` undoes it.
   */
  async disconnect(a: Home, b: Home): Promise<void> {
    await this.lab.exec(a.router, 'iptables', '-I', 'FORWARD', '1', '-s', b.publicAddress, '-j', 'DROP');
    await this.lab.exec(a.router, 'iptables', '-I', 'FORWARD', '1', '-d', b.publicAddress, '-j', 'DROP');
  }

  async reconnect(a: Home, b: Home): Promise<void> {
    await this.lab.exec(a.router, 'iptables', '-D', 'FORWARD', '-s', b.publicAddress, '-j', 'DROP');
    await this.lab.exec(a.router, 'iptables', '-D', 'FORWARD', '-d', b.publicAddress, '-j', 'DROP');
  }

  /** Drops every packet crossing `home`'s router, as if its Wi-Fi died; `restore()` undoes it. */
  async cut(home: Home): Promise<void> {
    await this.lab.exec(home.router, 'iptables', '-I', 'FORWARD', '1', '-j', 'DROP');
  }

  async restore(home: Home): Promise<void> {
    await this.lab.exec(home.router, 'iptables', '-D', 'FORWARD', '-j', 'DROP');
  }

  destroy(): Promise<void> {
    return this.lab.destroy();
  }
}
