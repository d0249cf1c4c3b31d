import {
  decodeServerMessage,
  type ClientMessageInput,
  type PushMessage,
  type ReplyMessage,
  type ServerMessage,
  TypedEmitter,
} from '@parley/protocol';
import { ParleyError } from './errors.js';

export type SignalingState = 'connecting' | 'open' | 'closed';

export type SignalingEvents = {
  /** A message the server sent on its own (peer-joined, signal, ...). */
  push: (message: PushMessage) => void;
  /** A refusal of a message sent without an id. */
  error: (error: ParleyError) => void;
  /** A numbered `signal` sent without an id was refused but may be sent again (`unavailable`): `seq` says which. */
  'signal-refused': (seq: number, error: ParleyError) => void;
  /** The server holds our join (request `requestId`) in a lobby; it stays pending, without a timeout, until a host decides. */
  'lobby-waiting': (requestId: number) => void;
  close: (info: { code: number; reason: string }) => void;
};

type Request = Extract<ClientMessageInput, { id?: number }>;
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

const REQUEST_TIMEOUT_MS = 10_000;
/** Refusals the server sends just before it closes the socket: they say why the requests in flight failed. */
const PARTING_CODES: ReadonlySet<string> = new Set(['too-many-connections', 'join-timeout']);

interface Pending {
  resolve: (reply: Exclude<ReplyMessage, { type: 'error' }>) => void;
  reject: (error: ParleyError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * The signaling WebSocket with request/reply on top: `request()` adds an id
 * and resolves with the reply carrying it; pushes arrive as events. Every
 * incoming message is checked against the protocol before anyone sees it.
 */
export class SignalingClient extends TypedEmitter<SignalingEvents> {
  #state: SignalingState = 'connecting';
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  #parting: ParleyError | undefined;

  private constructor(private readonly socket: WebSocket) {
    super();
    socket.addEventListener('message', this.#onMessage);
    socket.addEventListener('close', this.#onClose);
  }

  /** Opens the socket; rejects with `signaling-unreachable` if it never opens. */
  static connect(url: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<SignalingClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const client = new SignalingClient(socket);
      const fail = (why: string) => {
        cleanup();
        client.close();
        reject(new ParleyError('signaling-unreachable', `could not reach the signaling server at ${url}: ${why}`));
      };
      const timer = setTimeout(() => fail(`no answer in ${timeoutMs} ms`), timeoutMs);
      const onOpen = () => {
        cleanup();
        client.#state = 'open';
        resolve(client);
      };
      const onError = () => fail('connection failed');
      const cleanup = () => {
        clearTimeout(timer);
        socket.removeEventListener('open', onOpen);
        socket.removeEventListener('error', onError);
      };
      socket.addEventListener('open', onOpen);
      socket.addEventListener('error', onError);
    });
  }

  get state(): SignalingState {
    return this.#state;
  }

  /** Sends a request and waits for its reply; a refusal rejects with the server's code. */
  request<M extends WithoutId<Request>>(message: M, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Exclude<ReplyMessage, { type: 'error' }>> {
    if (this.#state !== 'open') return Promise.reject(ParleyError.signalingClosed('not connected'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(ParleyError.timeout(`"${message.type}"`, timeoutMs));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.socket.send(JSON.stringify({ ...message, id }));
    });
  }

  /** Sends without waiting; returns false when the socket is not open (the message is dropped). */
  notify(message: WithoutId<Request>): boolean {
    if (this.#state !== 'open') return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /** Closes the socket and fails every pending request. Safe to call twice. */
  close(code = 1000, reason = 'client closed'): void {
    if (this.#state === 'closed') return;
    this.#finish(code, reason);
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.close(code, reason);
    }
  }

  readonly #onMessage = (event: MessageEvent): void => {
    if (typeof event.data !== 'string') return;
    const decoded = decodeServerMessage(event.data);
    if (!decoded.ok) {
      console.warn('[parley] ignored a signaling message that breaks the protocol:', decoded.reason);
      return;
    }
    this.#route(decoded.message);
  };

  #route(message: ServerMessage): void {
    switch (message.type) {
      case 'joined':
      case 'ice-servers':
      case 'ok':
      case 'error': {
        const pending = message.id === undefined ? undefined : this.#pending.get(message.id);
        if (!pending) {
          if (message.type !== 'error') return;
          const error = ParleyError.refused(message.code, message.message);
          if (message.refusedSeq !== undefined) return void this.emit('signal-refused', message.refusedSeq, error);
          if (PARTING_CODES.has(message.code)) this.#parting = error;
          this.emit('error', error);
          return;
        }
        this.#pending.delete(message.id as number);
        clearTimeout(pending.timer);
        if (message.type === 'error') pending.reject(ParleyError.refused(message.code, message.message));
        else pending.resolve(message);
        return;
      }
      case 'lobby-waiting': {
        // An interim answer: a person decides now, which takes as long as it takes.
        const pending = this.#pending.get(message.id);
        if (pending) clearTimeout(pending.timer);
        this.emit('lobby-waiting', message.id);
        return;
      }
      default:
        this.emit('push', message);
    }
  }

  readonly #onClose = (event: CloseEvent): void => {
    this.#finish(event.code, event.reason || 'connection lost');
  };

  #finish(code: number, reason: string): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.socket.removeEventListener('message', this.#onMessage);
    this.socket.removeEventListener('close', this.#onClose);
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(this.#parting ?? ParleyError.signalingClosed(reason));
    }
    this.#pending.clear();
    this.emit('close', { code, reason });
    this.removeAllListeners();
  }
}
