import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, expect, type Browser, type Page } from '@playwright/test';
import { expectVideoFlowing } from './call.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, Coturn, NatTopology, ParleyProcess, SERVER_ADDRESS, type Home, type NatKind } from '@parley/testbed';
import { observePeerConnections } from './observePeerConnections.js';

const PRODUCTION_TURN_CONFIG = fileURLToPath(new URL('../../deploy/coturn/turnserver.conf', import.meta.url));

export interface NatCallOptions {
  kinds: readonly NatKind[];
  /** false: the server hands out STUN only, no relay. */
  turn?: boolean;
  turnTtlSeconds?: number;
  /** More server settings (e.g. RESUME_WINDOW_MS), as environment variables. */
  serverEnv?: Record<string, string>;
}

/**
 * A small internet for one test: Parley's server and coturn (with the
 * production config) in the "public" namespace at 203.0.113.10, and one
 * Chromium per home, each started inside its home's namespace behind its NAT.
 */
export class NatCall {
  private constructor(
    readonly topology: NatTopology,
    readonly coturn: Coturn,
    readonly server: ParleyProcess,
    readonly browsers: Browser[],
    private readonly scratch: string,
  ) {}

  static async start(options: NatCallOptions): Promise<NatCall> {
    const topology = await NatTopology.build(options.kinds);
    const scratch = await mkdtemp(join(tmpdir(), 'parley-nat-'));
    let coturn: Coturn | undefined;
    let server: ParleyProcess | undefined;
    const browsers: Browser[] = [];
    try {
      coturn = await Coturn.start({ netns: topology.publicNs, ip: SERVER_ADDRESS, port: 3478, configFile: PRODUCTION_TURN_CONFIG });
      const turnEnv: Record<string, string> =
        options.turn === false
          ? {}
          : {
              TURN_URLS: `turn:${SERVER_ADDRESS}:3478?transport=udp,turn:${SERVER_ADDRESS}:3478?transport=tcp`,
              TURN_SECRET: coturn.secret,
              TURN_TTL_SECONDS: String(options.turnTtlSeconds ?? 3600),
            };
      server = await ParleyProcess.start({ STUN_URLS: `stun:${SERVER_ADDRESS}:3478`, ...turnEnv, ...options.serverEnv }, { netns: topology.publicNs, host: SERVER_ADDRESS });
      // One browser per home, started side by side; all settle before a failure is thrown, so none is left running.
      const origin = server.url;
      const launched = await Promise.allSettled(topology.homes.map((home) => launchIn(home, origin, scratch)));
      for (const result of launched) if (result.status === 'fulfilled') browsers.push(result.value);
      const failed = launched.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
      return new NatCall(topology, coturn, server, browsers, scratch);
    } catch (error) {
      await Promise.all(browsers.map((browser) => browser.close()));
      await server?.kill('SIGTERM');
      await coturn?.stop();
      await topology.destroy();
      await rm(scratch, { recursive: true, force: true });
      throw error;
    }
  }

  get homes(): Home[] {
    return this.topology.homes;
  }

  /** The person in home `index` opens the room link and joins. */
  async join(index: number, room: string, name: string, options: { relayOnly?: boolean } = {}): Promise<Page> {
    const browser = this.browsers[index];
    if (!browser) throw new Error(`no home ${index}`);
    const page = await (await browser.newContext()).newPage();
    await page.addInitScript(observePeerConnections);
    await page.goto(this.server.roomUrl(room));
    await page.getByRole('textbox', { name: 'Your name' }).fill(name);
    if (options.relayOnly) await page.getByRole('checkbox', { name: /Hide my IP address/ }).check();
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await expect(page.getByRole('group', { name: `${name} (you)` })).toBeVisible();
    return page;
  }

  /**
   * Ada (home 0) and Bob (home 1) join one room and each sees the other's
   * video decoding; then `body` runs. The call is torn down afterwards, pass or fail.
   */
  static async withTwoPeople(
    options: NatCallOptions & { adaRelayOnly?: boolean; bobRelayOnly?: boolean; waitForVideo?: boolean },
    body: (people: { call: NatCall; ada: Page; bob: Page }) => Promise<void>,
  ): Promise<void> {
    const call = await NatCall.start(options);
    try {
      const room = `nat-${Date.now().toString(36)}`;
      const ada = await call.join(0, room, 'Ada', { relayOnly: options.adaRelayOnly ?? false });
      const bob = await call.join(1, room, 'Bob', { relayOnly: options.bobRelayOnly ?? false });
      if (options.waitForVideo !== false) {
        await expectVideoFlowing(ada, 'Bob', 40_000);
        await expectVideoFlowing(bob, 'Ada', 40_000);
      }
      await body({ call, ada, bob });
    } finally {
      await call.stop();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.browsers.map((browser) => browser.close()));
    await this.server.kill('SIGTERM');
    await this.coturn.stop();
    await this.topology.destroy();
    await rm(this.scratch, { recursive: true, force: true });
  }
}

/** Chromium inside a home's namespace: Playwright talks to it over a pipe, which crosses namespaces. */
async function launchIn(home: Home, origin: string, scratch: string): Promise<Browser> {
  const wrapper = join(scratch, `chromium-${home.ns}.sh`);
  await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec ${home.ns} ${CHROMIUM_PATH} "$@"\n`);
  await chmod(wrapper, 0o755);
  return chromium.launch({
    executablePath: wrapper,
    args: [
      // The resolver rules map even IP literals away unless excluded; the server is at a literal here.
      ...CHROMIUM_ARGS.map((arg) => (arg.startsWith('--host-resolver-rules=') ? `${arg} , EXCLUDE ${SERVER_ADDRESS}` : arg)),
      // The app is served over plain http from a non-local address; camera access needs a secure context.
      `--unsafely-treat-insecure-origin-as-secure=${origin}`,
    ],
  });
}
