import { PROTOCOL_VERSION, type ClientMessageInput, type JoinedMessage, type PushMessage, TypedEmitter } from '@parley/protocol';
import { ParleyError } from './errors.js';
import { RefusedSignals } from './RefusedSignals.js';
import { SignalingClient } from './SignalingClient.js';

/**
 * connected → reconnecting → connected (resumed as the same participant);
 * reconnecting → rejoining (the server refused the resume: our place ended or
 * the token is spent) → connected (joined again as a new participant);
 * reconnecting or rejoining → lost (removed by a host, a page of another
 * protocol version, or the fresh join refused); any → closed.
 */
export type SignalingSessionState = 'connected' | 'reconnecting' | 'rejoining' | 'lost' | 'closed';

export type SignalingSessionEvents = {
  push: (message: PushMessage) => void;
  'state-changed': (state: SignalingSessionState) => void;
  /** We are back as the same participant; the reply lists who the server has now. */
  resumed: (reply: JoinedMessage) => void;
  /**
   * The server would not take us back (`refusal`), so we joined again: a new
   * participant id, a fresh session (nothing of the old one is resent: its
   * signals were for links that are gone). Emitted before the state turns
   * `connected`, so what a listener sends goes out right after, in order.
   */
  rejoined: (reply: JoinedMessage, refusal: ParleyError) => void;
  /** We are out for good: `removed` by a host, `unsupported-protocol` (reload the page), or the fresh join refused. The state is now `lost`. */
  lost: (error: ParleyError) => void;
};

/** A `join` as the session sends it again after a refused resume (the id is added on sending). */
export type RejoinRequest = Omit<Extract<ClientMessageInput, { type: 'join' }>, 'id'>;

type Notification = Parameters<SignalingClient['notify']>[0];

/**
 * Reconnection backoff after the server refused or dropped us: the first retry
 * after about this long, doubling, with jitter (0.5-1.5×) so a restarted
 * server is not hit by everyone at once. No pause is longer than the cap, so
 * everyone tries again within 2.5 s of a restarted server being up: all are
 * members again within 5 s of it (a 5 s cap, with its jitter up to 7.5 s,
 * missed that under load). The price: a server down for long is knocked on
 * every 1.25-2.5 s by each client, which costs it a refused TCP connection.
 */
const RECONNECT_BASE_MS = 300;
export const RECONNECT_CAP_MS = 2_500;
/**
 * A reconnection attempt gets this long to open. One that gets no answer at
 * all means our network is down, not the server: the next follows within
 * UNANSWERED_RETRY_MS, so we are back about a second after the network is.
 * Such probes cost the server nothing (they never reach it). The price: a
 * network where a WebSocket takes over 2 s to open cannot reconnect.
 */
const CONNECT_TIMEOUT_MS = 2_000;
const UNANSWERED_RETRY_MS = 500;
/**
 * Browsers cannot see the server's WebSocket pings, so we ask ourselves: a
 * `ping` this often, and a connection that leaves one unanswered this long
 * is dead (a network that dropped without a TCP close). Without it we would
 * learn only when TCP gives up, minutes later, long after our place expired.
 */
const KEEPALIVE_INTERVAL_MS = 5_000;
const KEEPALIVE_TIMEOUT_MS = 3_000;
/** Refusals of a resume that a fresh join cannot help: a host removed us, or this page speaks another protocol. */
const FINAL_RESUME_REFUSALS: ReadonlySet<string> = new Set(['removed', 'unsupported-protocol']);
/** Failures of a request that only say the connection broke: the next attempt may do better. */
const TRANSPORT_FAILURES: ReadonlySet<string> = new Set(['signaling-closed', 'timeout']);
/** Messages for the server kept while it is unreachable; the oldest go first past this. */
const MAX_OUTBOX = 500;
/** Numbered messages kept until a resume says the server had them (the oldest go first past this). */
const MAX_UNACKED = 500;

/**
 * Our membership as the server knows it, across signaling connections: when
 * the socket drops it reconnects with exponential backoff and jitter and
 * resumes with the last token, and what we send meanwhile waits in order.
 */
export class SignalingSession extends TypedEmitter<SignalingSessionEvents> {
  #client: SignalingClient;
  #state: SignalingSessionState = 'connected';
  #resumeToken: string;
  #outbox: Notification[] = [];
  #clientSubs: (() => void)[] = [];
  /** The last push `seq` handed on: repeats are dropped, and a resume asks for what came after. */
  #lastPushSeq: number;
  /** Our signals and media state are numbered, and kept until the server says it handled them. */
  #sentSeq = 0;
  #unacked: Notification[] = [];
  readonly #keepalive: ReturnType<typeof setInterval>;
  /** Cuts a reconnection pause short (the browser says it is online again). */
  #wake: (() => void) | undefined;
  readonly #subs: (() => void)[] = [];
  /** Why the resume was refused, while we join again. */
  #refusal: ParleyError | undefined;
  /** Signals a multi-node server could not deliver for now, to be sent again. */
  readonly #refusedSignals = new RefusedSignals<Notification>((message) => {
    this.notify(message);
    return this.#sentSeq;
  });

  /**
   * `rejoin` builds the `join` sent when the server refuses a resume (called
   * then, so it carries the media state of that moment); without it a refused
   * resume ends in `lost`.
   */
  constructor(
    client: SignalingClient,
    joined: JoinedMessage,
    private readonly url: string,
    private readonly rejoin?: () => RejoinRequest,
  ) {
    super();
    this.#client = client;
    this.#resumeToken = joined.resumeToken;
    this.#lastPushSeq = joined.seq ?? 0;
    this.#bind(client);
    this.#keepalive = setInterval(() => this.#checkAlive(), KEEPALIVE_INTERVAL_MS);
    if (typeof window !== 'undefined') {
      const onOnline = () => this.#wake?.();
      window.addEventListener('online', onOnline);
      this.#subs.push(() => window.removeEventListener('online', onOnline));
    }
  }

  get state(): SignalingSessionState {
    return this.#state;
  }

  /**
   * Sends now, or keeps it for when the server is back. Signals and media
   * state are numbered: one written into a socket that was already dead is
   * sent again after the resume, and the server drops it if it had it.
   */
  notify(message: Notification): void {
    if (this.#state === 'closed' || this.#state === 'lost') return;
    if (message.type === 'signal' || message.type === 'media') {
      message = { ...message, seq: ++this.#sentSeq };
      this.#unacked.push(message);
      if (this.#unacked.length > MAX_UNACKED) this.#unacked.shift();
    }
    if (this.#state === 'connected' && this.#client.notify(message)) return;
    this.#outbox.push(message);
    if (this.#outbox.length > MAX_OUTBOX) this.#outbox.shift();
  }

  request(...args: Parameters<SignalingClient['request']>): ReturnType<SignalingClient['request']> {
    return this.#client.request(...args);
  }

  /** Says goodbye (`leave`) when connected and closes for good. Safe to call twice. */
  close(): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'connected') this.#client.notify({ type: 'leave' });
    this.#setState('closed');
    clearInterval(this.#keepalive);
    this.#refusedSignals.clear();
    this.#wake?.();
    for (const unsubscribe of this.#subs.splice(0)) unsubscribe();
    for (const unsubscribe of this.#clientSubs.splice(0)) unsubscribe();
    this.#client.close(1000, 'left');
    this.#outbox = [];
    this.removeAllListeners();
  }

  #bind(client: SignalingClient): void {
    for (const unsubscribe of this.#clientSubs.splice(0)) unsubscribe();
    this.#clientSubs.push(
      client.on('push', (message) => {
        if (message.seq !== undefined) {
          if (message.seq <= this.#lastPushSeq) return;
          this.#lastPushSeq = message.seq;
        }
        this.emit('push', message);
      }),
      client.on('error', (error) => console.warn('[parley] the server refused a message:', error.message)),
      client.on('signal-refused', (seq, error) => {
        const message = this.#unacked.find((sent) => 'seq' in sent && sent.seq === seq);
        if (message?.type === 'signal') this.#refusedSignals.refused(seq, message);
        else console.warn('[parley] the server refused a signal:', error.message);
      }),
      client.on('close', () => {
        if (this.#state !== 'connected') return;
        this.#setState('reconnecting');
        void this.#reconnect();
      }),
    );
  }

  /** A connection that leaves a ping unanswered is closed, which starts the reconnection. */
  #checkAlive(): void {
    if (this.#state !== 'connected') return;
    const client = this.#client;
    client.request({ type: 'ping' }, KEEPALIVE_TIMEOUT_MS).catch((error: unknown) => {
      if (!(error instanceof ParleyError) || error.code !== 'timeout' || client !== this.#client) return;
      console.warn('[parley] the signaling server stopped answering; reconnecting');
      client.close(4000, 'no answer to ping');
    });
  }

  /** Waits `ms`, or less if the browser comes back online meanwhile. */
  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Away from the server and trying to come back (resuming, or joining afresh). */
  get #away(): boolean {
    return this.#state === 'reconnecting' || this.#state === 'rejoining';
  }

  async #reconnect(): Promise<void> {
    let delay = RECONNECT_BASE_MS;
    for (let refusals = 1; this.#away; ) {
      await this.#pause(Math.min(RECONNECT_CAP_MS, delay * (0.5 + Math.random())));
      this.#wake = undefined;
      if (!this.#away) return;
      let client: SignalingClient;
      const startedAt = Date.now();
      try {
        client = await SignalingClient.connect(this.url, CONNECT_TIMEOUT_MS);
      } catch {
        // Unanswered: our network is down, probe again soon. Refused: the server is, back off.
        const unanswered = Date.now() - startedAt >= CONNECT_TIMEOUT_MS;
        delay = unanswered ? UNANSWERED_RETRY_MS : Math.min(RECONNECT_CAP_MS, RECONNECT_BASE_MS * 2 ** refusals++);
        continue;
      }
      if (await this.#attempt(client)) return;
      // The connection broke during the attempt: try again.
    }
  }

  /** One attempt on an open socket: resume, or once a resume was refused, join afresh. True when settled. */
  async #attempt(client: SignalingClient): Promise<boolean> {
    if (this.#state === 'reconnecting') {
      try {
        const reply = await client.request({
          type: 'resume',
          resumeToken: this.#resumeToken,
          protocolVersion: PROTOCOL_VERSION,
          lastSeq: this.#lastPushSeq,
        });
        if (reply.type !== 'joined' || this.#state !== 'reconnecting') {
          client.close();
          return true;
        }
        this.#adopt(client, reply);
        return true;
      } catch (error) {
        const refused = error instanceof ParleyError && !TRANSPORT_FAILURES.has(error.code) ? error : undefined;
        const final = refused && (FINAL_RESUME_REFUSALS.has(refused.code) || (refused.code === 'resume-failed' && !this.rejoin));
        if (!refused || refused.code !== 'resume-failed' || final) {
          client.close();
          // Anything else (the socket broke, the server was busy) is worth another try.
          return final ? this.#lose(refused) : false;
        }
        console.warn('[parley] the server would not take us back; joining again:', refused.message);
        this.#refusal = refused;
        this.#setState('rejoining');
        // The socket is fine: the join goes on it at once.
      }
    }
    if (this.#state !== 'rejoining' || !this.rejoin) return true;
    try {
      const reply = await client.request(this.rejoin());
      if (reply.type !== 'joined' || this.#state !== 'rejoining') {
        client.close();
        return true;
      }
      this.#adoptRejoined(client, reply);
      return true;
    } catch (error) {
      client.close();
      if (!(error instanceof ParleyError) || TRANSPORT_FAILURES.has(error.code)) return false;
      return this.#lose(error);
    }
  }

  #lose(error: ParleyError): true {
    console.warn('[parley] out of the room for good:', error.message);
    this.#setState('lost');
    this.emit('lost', error);
    return true;
  }

  /** A new participant: a fresh numbering both ways, and nothing of the old session sent again. */
  #adoptRejoined(client: SignalingClient, reply: JoinedMessage): void {
    this.#client = client;
    this.#resumeToken = reply.resumeToken;
    this.#lastPushSeq = reply.seq ?? 0;
    this.#sentSeq = 0;
    this.#unacked = [];
    this.#outbox = [];
    this.#bind(client);
    const refusal = this.#refusal ?? new ParleyError('resume-failed', 'the server would not take us back');
    this.#refusal = undefined;
    this.emit('rejoined', reply, refusal);
    this.#setState('connected');
    const waiting = this.#outbox;
    this.#outbox = [];
    for (const message of waiting) {
      if (!client.notify(message)) this.#outbox.push(message);
    }
  }

  #adopt(client: SignalingClient, reply: JoinedMessage): void {
    this.#client = client;
    this.#resumeToken = reply.resumeToken;
    // A server that rebuilt us from the token numbers its pushes afresh.
    this.#lastPushSeq = Math.min(this.#lastPushSeq, reply.seq ?? this.#lastPushSeq);
    this.#bind(client);
    this.#setState('connected');
    this.emit('resumed', reply);
    // The same session tells us what it handled: send everything numbered after
    // it. A rebuilt one cannot: send what never left (the outbox).
    const received = reply.receivedSeq;
    if (received !== undefined) this.#unacked = this.#unacked.filter((message) => 'seq' in message && (message.seq ?? 0) > received);
    const again = received === undefined ? this.#outbox : [...this.#unacked, ...this.#outbox.filter((message) => !('seq' in message))];
    this.#outbox = [];
    for (const message of again) {
      if (!client.notify(message)) this.#outbox.push(message);
    }
  }

  #setState(next: SignalingSessionState): void {
    if (next === this.#state) return;
    this.#state = next;
    this.emit('state-changed', next);
  }
}
