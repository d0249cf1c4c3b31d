import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { turnRestCredential } from '@parley/server';
import { Coturn, NatTopology, NetworkLab, SERVER_ADDRESS, TurnClient } from '@parley/testbed';

const PRODUCTION_CONFIG = fileURLToPath(new URL('../../../deploy/coturn/turnserver.conf', import.meta.url));
/** An address this test gives to its own "public" namespace: the allowed control peer. */
const CONTROL_PEER = '203.0.113.20';
const SERVER_V6 = '2001:db8:113::10';
const DENIED_V4 = ['127.0.0.1', '0.0.0.0', '10.0.0.1', '172.16.0.1', '192.168.1.1', '100.64.0.1', '169.254.169.254'];
const DENIED_V6 = ['::1', 'fe80::1', 'fc00::1'];

const available = await NetworkLab.available();

/**
 * coturn started from deploy/coturn/turnserver.conf (TLS left out: no
 * certificate here), in a namespace of its own, probed with a real TURN client
 * and credentials made by the Parley server's own code.
 */
describe('coturn with the production config', { skip: available.ok ? false : available.why }, () => {
  let topology: NatTopology;
  let coturn: Coturn;
  const clients: TurnClient[] = [];
  const client = (username: string, password: string, transport: 'udp' | 'tcp' = 'udp', host = SERVER_ADDRESS) => {
    const made = TurnClient.create(host, coturn.port, username, password, transport);
    clients.push(made);
    return made;
  };
  const credential = (id: string, ttlSeconds = 600, nowMs = Date.now()) => turnRestCredential(coturn.secret, id, ttlSeconds, nowMs);

  before(async () => {
    topology = await NatTopology.build([]);
    await topology.lab.exec(topology.publicNs, 'ip', 'addr', 'add', `${CONTROL_PEER}/24`, 'dev', 'br0');
    await topology.lab.exec(topology.publicNs, 'ip', '-6', 'addr', 'add', `${SERVER_V6}/64`, 'dev', 'br0', 'nodad');
    coturn = await Coturn.start({
      netns: topology.publicNs,
      ip: SERVER_ADDRESS,
      port: 3478,
      configFile: PRODUCTION_CONFIG,
      extraArgs: [`--relay-ip=${SERVER_V6}`],
    });
  });
  after(async () => {
    for (const made of clients) made.close();
    await coturn?.stop();
    await topology?.destroy();
  });

  it('allocates for a credential the server made, and refuses a forged or expired one with 401', async () => {
    const valid = credential('alice');
    assert.equal((await client(valid.username, valid.credential).allocate()).success, true, coturn.log.slice(-2000));

    const forged = await client(valid.username, 'not-the-hmac').allocate();
    assert.equal(forged.code, 401);
    const otherSecret = turnRestCredential('another-secret-of-enough-length', 'mallory', 600);
    assert.equal((await client(otherSecret.username, otherSecret.credential).allocate()).code, 401);
    const expired = credential('bob', 60, Date.now() - 3_600_000);
    assert.equal((await client(expired.username, expired.credential).allocate()).code, 401);
  });

  it('refuses to relay to loopback, private, CGNAT, link-local and metadata addresses, and allows a public one', async () => {
    const { username, credential: password } = credential('carol');
    const turn = client(username, password);
    const allocated = await turn.allocate();
    assert.equal(allocated.success, true, `allocation: ${allocated.code} ${allocated.reason}`);
    for (const peer of DENIED_V4) {
      const answer = await turn.createPermission(peer);
      assert.equal(answer.code, 403, `${peer} should be a forbidden peer, got ${answer.code ?? 'success'}`);
    }
    const control = await turn.createPermission(CONTROL_PEER);
    assert.equal(control.success, true, `control peer: ${control.code} ${control.reason}`);

    const turn6 = client(username, password);
    const allocated6 = await turn6.allocate({ family: 'ipv6' });
    assert.equal(allocated6.success, true, `IPv6 allocation: ${allocated6.code} ${allocated6.reason}`);
    for (const peer of DENIED_V6) {
      const answer = await turn6.createPermission(peer);
      assert.equal(answer.code, 403, `${peer} should be a forbidden peer, got ${answer.code ?? 'success'}`);
    }
  });

  it('holds the per-user quota: one credential cannot open more allocations than configured', async () => {
    const quota = Number(/^user-quota=(\d+)$/m.exec(readFileSync(PRODUCTION_CONFIG, 'utf8'))?.[1]);
    assert.ok(quota > 0 && quota < 100);
    const { username, credential: password } = credential('dave');
    for (let i = 0; i < quota; i++) {
      assert.equal((await client(username, password).allocate()).success, true, `allocation ${i + 1} of ${quota}`);
    }
    assert.equal((await client(username, password).allocate()).code, 486);
    const other = credential('erin');
    assert.equal((await client(other.username, other.credential).allocate()).success, true);
  });

  it('offers no TCP relay endpoints (RFC 6062 is off)', async () => {
    const { username, credential: password } = credential('frank');
    const overTcp = client(username, password, 'tcp');
    const tcpRelay = await overTcp.allocate({ relayTransport: 'tcp' });
    assert.equal(tcpRelay.success, false);
    assert.equal(tcpRelay.code, 442);
    assert.equal((await client(username, password, 'tcp').allocate()).success, true, 'a UDP relay over a TCP control connection still works');
  });
});
