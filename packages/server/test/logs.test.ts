import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { PROTOCOL_VERSION } from '@parley/protocol';
import { ParleyProcess } from '@parley/testbed';
import { TestClient } from './support/TestClient.js';

const TURN_SECRET = 'turn-secret-that-must-never-be-logged';
const SESSION_SECRET = 'session-secret-that-must-never-be-logged';
const SDP_MARK = 'a=fingerprint:sha-256 AB:CD:EF:LOGTEST';
const CANDIDATE_ADDRESS = '192.0.2.55';

describe('logs', () => {
  it('are JSON lines with participant and room ids, and never hold SDP, candidates, tokens or secrets at info', async () => {
    const server = await ParleyProcess.start({
      LOG_LEVEL: 'info',
      TURN_URLS: 'turn:127.0.0.1:3478',
      TURN_SECRET,
      SESSION_SECRET,
      RESUME_WINDOW_MS: '5000',
    });
    let output = '';
    server.child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const wsUrl = `${server.url.replace('http', 'ws')}/ws`;

    const ada = await TestClient.joined(wsUrl, 'log-room', 'Ada');
    const bob = await TestClient.joined(wsUrl, 'log-room', 'Bob');
    await ada.client.request({ type: 'signal', to: bob.joined.selfId, signal: { description: { type: 'offer', sdp: `v=0\r\n${SDP_MARK}\r\n` } } });
    await ada.client.request({ type: 'signal', to: bob.joined.selfId, signal: { candidate: { candidate: `candidate:1 1 udp 2122260223 ${CANDIDATE_ADDRESS} 50000 typ host` } } });
    const closed = once(bob.client.socket, 'close');
    bob.client.socket.terminate();
    await closed;
    const back = await TestClient.connect(wsUrl);
    const resumed = await back.request({ type: 'resume', resumeToken: bob.joined.resumeToken, protocolVersion: PROTOCOL_VERSION });
    assert.equal(resumed.type, 'joined');
    await back.request({ type: 'leave' });
    await Promise.all([ada.client.close(), back.close()]);
    await server.kill('SIGTERM');

    const lines = output.trim().split('\n');
    const events = lines.map((line) => JSON.parse(line) as { msg: string; participant?: string; room?: string; level: number });
    const credential = String(ada.joined.iceServers.find((s) => s.credential)?.credential);
    for (const [label, secret] of Object.entries({
      SDP: SDP_MARK,
      'an ICE candidate address': CANDIDATE_ADDRESS,
      'a resume token': bob.joined.resumeToken.split('.').at(-1) as string,
      'the TURN secret': TURN_SECRET,
      'a TURN credential': credential,
      'the session secret': SESSION_SECRET,
    })) {
      assert.ok(!output.includes(secret), `the log holds ${label}`);
    }
    const byMessage = (msg: string) => events.filter((e) => e.msg === msg);
    for (const msg of ['joined', 'connection lost; holding the place', 'resumed', 'left']) {
      assert.ok(byMessage(msg).length > 0, `"${msg}" is logged`);
      for (const event of byMessage(msg)) assert.match(event.participant ?? '', /^[A-Za-z0-9_-]{8,}$/, `"${msg}" names the participant`);
    }
    for (const msg of ['joined', 'resumed', 'left']) assert.equal(byMessage(msg)[0]?.room, 'log-room', `"${msg}" names the room`);
    console.log(`# ${lines.length} JSON log lines at info: participant and room ids, no SDP, candidates, tokens, credentials or secrets`);
  });
});
