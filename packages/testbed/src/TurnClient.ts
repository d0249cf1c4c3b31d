import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect, isIPv4 } from 'node:net';
import { crc32 } from 'node:zlib';

/**
 * Just enough STUN/TURN over UDP (RFC 5389, RFC 5766) to ask a real coturn
 * the questions a security test asks: will it allocate with this credential,
 * will it let me relay to that address. One client = one UDP socket = one
 * allocation (TURN binds an allocation to its 5-tuple).
 */

const MAGIC_COOKIE = 0x2112a442;
const METHOD = { binding: 0x001, allocate: 0x003, createPermission: 0x008 } as const;
const ATTR = {
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  lifetime: 0x000d,
  xorPeerAddress: 0x0012,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  requestedAddressFamily: 0x0017,
  requestedTransport: 0x0019,
  xorMappedAddress: 0x0020,
  fingerprint: 0x8028,
} as const;

export interface StunResponse {
  success: boolean;
  /** STUN error code (401, 403, 437, 486...) when not a success. */
  code?: number;
  reason?: string;
  attributes: Map<number, Buffer>;
}

/** How STUN messages travel to the server: UDP datagrams, or a TCP stream of back-to-back messages. */
interface Transport {
  readonly reliable: boolean;
  send(message: Buffer): void;
  onMessage(listener: (message: Buffer) => void): () => void;
  close(): void;
}

function udpTransport(host: string, port: number): Transport {
  const socket = createSocket(isIPv4(host) ? 'udp4' : 'udp6');
  return {
    reliable: false,
    send: (message) => socket.send(message, port, host),
    onMessage: (listener) => {
      socket.on('message', listener);
      return () => socket.off('message', listener);
    },
    close: () => socket.close(),
  };
}

function tcpTransport(host: string, port: number): Transport {
  const socket = connect({ host, port });
  const listeners = new Set<(message: Buffer) => void>();
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    // STUN over TCP has no framing of its own: each message says its length.
    while (pending.length >= 20 && pending.length >= 20 + pending.readUInt16BE(2)) {
      const size = 20 + pending.readUInt16BE(2);
      const message = pending.subarray(0, size);
      pending = pending.subarray(size);
      for (const listener of listeners) listener(message);
    }
  });
  socket.on('error', () => socket.destroy());
  return {
    reliable: true,
    send: (message) => socket.write(message),
    onMessage: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => socket.destroy(),
  };
}

export interface AllocateOptions {
  /** What the relay should speak to peers: 'udp' (17) or 'tcp' (6, RFC 6062). */
  relayTransport?: 'udp' | 'tcp';
  family?: 'ipv4' | 'ipv6';
}

export class TurnClient {
  readonly #transport: Transport;
  #realm = '';
  #nonce = '';
  #key: Buffer | undefined;

  private constructor(
    readonly host: string,
    readonly port: number,
    readonly username: string,
    private readonly password: string,
    transport: 'udp' | 'tcp',
  ) {
    this.#transport = transport === 'udp' ? udpTransport(host, port) : tcpTransport(host, port);
  }

  static create(host: string, port: number, username: string, password: string, transport: 'udp' | 'tcp' = 'udp'): TurnClient {
    return new TurnClient(host, port, username, password, transport);
  }

  /** Binding request without credentials: is the server answering STUN? */
  async binding(): Promise<StunResponse> {
    return this.#transact(METHOD.binding, () => [], false);
  }

  /** Allocate a relay: the 401 challenge first, then the request with our credential. */
  async allocate(options: AllocateOptions = {}): Promise<StunResponse> {
    const protocol = options.relayTransport === 'tcp' ? 6 : 17;
    const attrs = () => [
      attr(ATTR.requestedTransport, Buffer.from([protocol, 0, 0, 0])),
      attr(ATTR.lifetime, u32(600)),
      ...(options.family === 'ipv6' ? [attr(ATTR.requestedAddressFamily, Buffer.from([0x02, 0, 0, 0]))] : []),
    ];
    const challenge = await this.#transact(METHOD.allocate, attrs, false);
    if (challenge.success || challenge.code !== 401) return challenge;
    this.#realm = challenge.attributes.get(ATTR.realm)?.toString() ?? '';
    this.#nonce = challenge.attributes.get(ATTR.nonce)?.toString() ?? '';
    // RFC 5389 15.4: the long-term key is MD5(username ":" realm ":" password).
    this.#key = createHash('md5').update(`${this.username}:${this.#realm}:${this.password}`).digest();
    return this.#transact(METHOD.allocate, attrs, true);
  }

  /** Asks to relay to `peer` (after a successful allocate). 403 means the server refused that address. */
  async createPermission(peer: string): Promise<StunResponse> {
    return this.#transact(METHOD.createPermission, (id) => [attr(ATTR.xorPeerAddress, xorAddress(peer, 0, id))], true);
  }

  close(): void {
    this.#transport.close();
  }

  /** One request/response; `attrs` gets the transaction id because XOR-PEER-ADDRESS (IPv6) depends on it. */
  async #transact(method: number, attrs: (transactionId: Buffer) => Buffer[], authenticate: boolean): Promise<StunResponse> {
    const transactionId = randomBytes(12);
    let body = Buffer.concat(attrs(transactionId));
    if (authenticate) {
      if (!this.#key) throw new Error('allocate first: no realm and nonce yet');
      body = Buffer.concat([
        body,
        attr(ATTR.username, Buffer.from(this.username)),
        attr(ATTR.realm, Buffer.from(this.#realm)),
        attr(ATTR.nonce, Buffer.from(this.#nonce)),
      ]);
      // MESSAGE-INTEGRITY covers the header with its length already counting the 24-byte attribute.
      const forHmac = Buffer.concat([header(method, body.length + 24, transactionId), body]);
      const integrity = createHmac('sha1', this.#key).update(forHmac).digest();
      body = Buffer.concat([body, attr(ATTR.messageIntegrity, integrity)]);
    }
    const withoutFingerprint = Buffer.concat([header(method, body.length + 8, transactionId), body]);
    const fingerprint = (crc32(withoutFingerprint) ^ 0x5354554e) >>> 0;
    const message = Buffer.concat([withoutFingerprint, attr(ATTR.fingerprint, u32(fingerprint))]);
    return this.#send(message, transactionId);
  }

  #send(message: Buffer, transactionId: Buffer): Promise<StunResponse> {
    return new Promise((resolve, reject) => {
      let attempts = 0;
      const off = this.#transport.onMessage((data) => {
        if (data.length < 20 || !data.subarray(8, 20).equals(transactionId)) return;
        cleanup();
        resolve(parseResponse(data));
      });
      // UDP may lose the request: resend every 500 ms, five times (RFC 5389 7.2.1, simplified).
      const sendOnce = () => {
        if (++attempts > (this.#transport.reliable ? 1 : 5)) {
          cleanup();
          reject(new Error(`no STUN answer from ${this.host}:${this.port}`));
          return;
        }
        this.#transport.send(message);
      };
      const timer = setInterval(sendOnce, this.#transport.reliable ? 3000 : 500);
      const cleanup = () => {
        clearInterval(timer);
        off();
      };
      sendOnce();
    });
  }
}

function header(method: number, length: number, transactionId: Buffer): Buffer {
  const buffer = Buffer.alloc(20);
  buffer.writeUInt16BE(method, 0);
  buffer.writeUInt16BE(length, 2);
  buffer.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(buffer, 8);
  return buffer;
}

function attr(type: number, value: Buffer): Buffer {
  const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  padded.writeUInt16BE(type, 0);
  padded.writeUInt16BE(value.length, 2);
  value.copy(padded, 4);
  return padded;
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value >>> 0, 0);
  return buffer;
}

function xorAddress(ip: string, port: number, transactionId: Buffer): Buffer {
  const v4 = isIPv4(ip);
  const value = Buffer.alloc(v4 ? 8 : 20);
  value.writeUInt8(v4 ? 0x01 : 0x02, 1);
  value.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
  const address = v4 ? Buffer.from(ip.split('.').map(Number)) : ipv6Bytes(ip);
  const mask = Buffer.concat([u32(MAGIC_COOKIE), transactionId]);
  for (let i = 0; i < address.length; i++) value[4 + i] = (address[i] as number) ^ (mask[i] as number);
  return value;
}

function ipv6Bytes(ip: string): Buffer {
  const [head = '', tail = ''] = ip.split('::');
  const parts = (s: string) => (s ? s.split(':') : []);
  const groups = [...parts(head), ...Array(8 - parts(head).length - parts(tail).length).fill('0'), ...parts(tail)];
  const buffer = Buffer.alloc(16);
  groups.forEach((group, i) => buffer.writeUInt16BE(parseInt(group, 16), i * 2));
  return buffer;
}

function parseResponse(data: Buffer): StunResponse {
  const type = data.readUInt16BE(0);
  const attributes = new Map<number, Buffer>();
  let offset = 20;
  const end = 20 + data.readUInt16BE(2);
  while (offset + 4 <= end) {
    const attrType = data.readUInt16BE(offset);
    const length = data.readUInt16BE(offset + 2);
    attributes.set(attrType, data.subarray(offset + 4, offset + 4 + length));
    offset += 4 + Math.ceil(length / 4) * 4;
  }
  const success = (type & 0x0110) === 0x0100;
  const error = attributes.get(ATTR.errorCode);
  return {
    success,
    attributes,
    ...(error
      ? { code: (error.readUInt8(2) & 0x7) * 100 + error.readUInt8(3), reason: error.subarray(4).toString() }
      : {}),
  };
}
