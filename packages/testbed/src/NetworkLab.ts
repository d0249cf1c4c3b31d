import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/**
 * Network namespaces this process creates and removes: small private hosts
 * for tests of what crosses a network (NATs, firewalls, cut links). Needs
 * root, iproute2 and iptables. Nothing here routes off the machine: the only
 * links are veth pairs between our own namespaces (and one to this host).
 */
export class NetworkLab {
  readonly #namespaces: string[] = [];
  #hostLinks: string[] = [];
  #destroyed = false;

  private constructor(readonly prefix: string) {}

  /** `prefix` keeps names unique across parallel runs and short enough for interface names (15 chars). */
  static create(prefix = `pl${process.pid % 100000}`): NetworkLab {
    return new NetworkLab(prefix);
  }

  /** Whether this machine lets us build namespaces (root with iproute2 and iptables). */
  static async available(): Promise<{ ok: true } | { ok: false; why: string }> {
    if (typeof process.getuid === 'function' && process.getuid() !== 0) return { ok: false, why: 'needs root' };
    for (const tool of ['ip', 'iptables']) {
      try {
        await exec('sh', ['-c', `command -v ${tool}`]);
      } catch {
        return { ok: false, why: `needs ${tool}` };
      }
    }
    return { ok: true };
  }

  /**
   * Removes what an interrupted run left behind: namespaces and host links of
   * labs whose process is gone. A stale host link would still hold
   * 203.0.113.1 and steal the route from the next run.
   */
  static async removeStale(): Promise<void> {
    const alive = (pid: string) => existsSync(`/proc/${pid}`);
    for (const line of (await sh('ip', 'netns', 'list')).split('\n')) {
      const match = /^(pl(\d+)-\S+)/.exec(line);
      if (match?.[1] && match[2] && !alive(match[2])) await sh('ip', 'netns', 'del', match[1]).catch(() => undefined);
    }
    for (const line of (await sh('ip', '-o', 'link', 'show')).split('\n')) {
      const match = /^\d+: (pl(\d+)h)[@:]/.exec(line);
      if (match?.[1] && match[2] && !alive(match[2])) await sh('ip', 'link', 'del', match[1]).catch(() => undefined);
    }
  }

  name(short: string): string {
    return `${this.prefix}-${short}`;
  }

  async addNamespace(short: string): Promise<string> {
    const ns = this.name(short);
    await sh('ip', 'netns', 'add', ns);
    this.#namespaces.push(ns);
    await this.exec(ns, 'ip', 'link', 'set', 'lo', 'up');
    return ns;
  }

  /** Runs a command inside namespace `ns`. */
  async exec(ns: string, ...command: string[]): Promise<string> {
    return sh('ip', 'netns', 'exec', ns, ...command);
  }

  /**
   * A veth pair between two namespaces (`null` = this host), each end given
   * an address (CIDR, or null for none) and brought up.
   */
  async link(
    a: { ns: string | null; ifname: string; address: string | null },
    b: { ns: string | null; ifname: string; address: string | null },
  ): Promise<void> {
    // Each end is created straight inside its namespace, so its name only has to be unique there.
    const where = (end: { ns: string | null }) => (end.ns ? ['netns', end.ns] : []);
    await sh('ip', 'link', 'add', a.ifname, ...where(a), 'type', 'veth', 'peer', 'name', b.ifname, ...where(b));
    for (const end of [a, b]) {
      if (!end.ns) this.#hostLinks.push(end.ifname);
      const run = (command: string, ...args: string[]) => (end.ns ? this.exec(end.ns, command, ...args) : sh(command, ...args));
      if (end.address) await run('ip', 'addr', 'add', end.address, 'dev', end.ifname);
      await run('ip', 'link', 'set', end.ifname, 'up');
    }
  }

  /** Removes every namespace and host link this lab made. Safe to call twice. */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    for (const ifname of this.#hostLinks) await sh('ip', 'link', 'del', ifname).catch(() => undefined);
    for (const ns of this.#namespaces.reverse()) await sh('ip', 'netns', 'del', ns).catch(() => undefined);
    this.#hostLinks = [];
  }
}

export async function sh(command: string, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await exec(command, args, { timeout: 20_000 });
    return stdout;
  } catch (error) {
    const failure = error as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${failure.stderr?.trim() || failure.message}`);
  }
}
