import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type Server } from 'node:net';
import { describe, it } from 'node:test';
import { TcpBalancer } from '@parley/testbed';

/** A server that answers every connection with its own name and closes. */
async function namedServer(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.end(name));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port };
}

async function ask(port: number): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (chunk) => (text += chunk.toString()));
  await once(socket, 'close');
  return text;
}

describe('TcpBalancer', () => {
  it('spreads connections over its backends in turn and skips one that is down', async () => {
    const a = await namedServer('a');
    const b = await namedServer('b');
    const balancer = await TcpBalancer.start([a.port, b.port]);
    try {
      assert.deepEqual([await ask(balancer.port), await ask(balancer.port), await ask(balancer.port)], ['a', 'b', 'a']);
      await new Promise<void>((resolve) => a.server.close(() => resolve()));
      assert.deepEqual([await ask(balancer.port), await ask(balancer.port)], ['b', 'b'], 'a is down: everything goes to b');
    } finally {
      await balancer.close();
      b.server.close();
    }
  });
});
