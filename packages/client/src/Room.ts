import {
  decodePeerMessage,
  type JoinedMessage,
  type PeerInfo,
  type PeerLeftReason,
  type PushMessage,
  type Role,
  type WaiterInfo,
  TypedEmitter,
} from '@parley/protocol';
import { ParleyError } from './errors.js';
import { FileTransfers } from './files/FileTransfers.js';
import type { OutgoingTransfer } from './files/OutgoingTransfer.js';
import { MeshQuality } from './quality/MeshQuality.js';
import { QualityMonitor } from './quality/QualityMonitor.js';
import type { LocalParticipant } from './LocalParticipant.js';
import { IceServerRefresh } from './IceServerRefresh.js';
import type { JoinOptions } from './JoinOptions.js';
import { EARLY_SOCKET_LOST, rejoinRequest, requestJoin } from './requestJoin.js';
import type { RoomEvents, RoomState } from './RoomEvents.js';
import { RoomLobby } from './RoomLobby.js';
import { UnconfirmedPeers } from './UnconfirmedPeers.js';
import { MEDIA_KINDS, PeerLink } from './PeerLink.js';
import { RemoteParticipant } from './RemoteParticipant.js';
import { SignalingClient } from './SignalingClient.js';
import { RECONNECT_CAP_MS, SignalingSession } from './SignalingSession.js';
import { cameraBudget, whileFileMoves } from './VideoBudget.js';
import { MeshChat, type ChatMessage } from './chat/MeshChat.js';
import { peerTransferLink } from './files/peerTransferLink.js';

/** Links are measured (and the measurements shared) this often. */
const QUALITY_INTERVAL_MS = 1_000;

/**
 * A call in progress: one signaling connection, and one PeerLink to every
 * other participant (a full mesh). Create it with `Room.join()`; end it with
 * `leave()`, which closes every connection and stops every local track.
 */
export class Room extends TypedEmitter<RoomEvents> {
  readonly name: string;
  #selfId: string;
  #selfName: string;
  #signalingError: ParleyError | undefined;
  readonly localParticipant: LocalParticipant;
  readonly #participants = new Map<string, RemoteParticipant>();
  readonly #links = new Map<string, PeerLink>();
  readonly #signaling: SignalingSession;
  readonly #resumeWindowMs: number;
  /** After a resume, peers the server did not list: removed unless they turn up again. */
  readonly #unconfirmed = new UnconfirmedPeers();
  #iceServers: RTCIceServer[];
  readonly #extraIceServers: RTCIceServer[];
  readonly #relayOnly: boolean;
  readonly #iceRefresh = new IceServerRefresh(() => this.refreshIceServers());
  #state: RoomState = 'joining';
  readonly #chat = new MeshChat();
  readonly #subs: (() => void)[] = [];
  /** File transfers in both directions; listen to `files.on('offered', ...)`. */
  readonly files = new FileTransfers();
  /** How every link of the mesh is doing, as each participant reports it. */
  readonly mesh = new MeshQuality();
  #qualityTimer: ReturnType<typeof setInterval> | undefined;
  #quality: QualityMonitor;
  #activeSpeaker: string | null = null;
  #role: Role;
  readonly #lobby: RoomLobby;
  readonly passwordProtected: boolean;

  private constructor(signaling: SignalingClient, joined: JoinedMessage, options: JoinOptions) {
    super();
    this.#signaling = new SignalingSession(signaling, joined, options.url, () =>
      rejoinRequest(options, this.name, this.#selfName),
    );
    this.#resumeWindowMs = joined.resumeWindowMs;
    this.name = joined.room;
    this.#selfId = joined.selfId;
    this.#selfName = joined.name;
    this.#role = joined.role;
    this.#lobby = new RoomLobby(joined);
    this.passwordProtected = joined.passwordProtected;
    this.localParticipant = options.local;
    this.#extraIceServers = options.iceServers ?? [];
    this.#iceServers = [...(joined.iceServers as RTCIceServer[]), ...this.#extraIceServers];
    this.#relayOnly = options.relayOnly ?? false;
    this.#quality = new QualityMonitor(joined.selfId);
    // Our camera gives way while a file moves (see whileFileMoves), and takes its budget back after.
    this.files.on('moving-changed', () => this.#rebudgetVideo());
  }

  /**
   * Connects (or takes the connection `preconnect` opened ahead), joins the
   * room and starts a peer connection to everyone already there. When the room has a lobby this waits (see `onWaiting`) until a host
   * admits us, or rejects with `lobby-denied`. Refusals reject with the
   * server's code: `password-required`, `wrong-password`, `rate-limited`,
   * `token-required`, `bad-token`, `removed`, `room-full`, ...
   */
  static async join(options: JoinOptions): Promise<Room> {
    if (options.local.released) throw ParleyError.invalidState('the local participant was released; create a new one');
    if (options.preconnect && options.preconnect.url !== options.url) {
      throw ParleyError.invalidState(`the early connection goes to ${options.preconnect.url}, not to ${options.url}`);
    }
    if (options.signal?.aborted) throw ParleyError.aborted();
    const early = await options.preconnect?.take();
    if (options.signal?.aborted) {
      early?.close(1000, 'gave up joining');
      throw ParleyError.aborted();
    }
    let joined: { signaling: SignalingClient; reply: JoinedMessage } | undefined;
    if (early) {
      try {
        joined = { signaling: early, reply: await requestJoin(early, options) };
      } catch (error) {
        // The server closed the early socket as the join went out (its join timeout): once more on a fresh one.
        if (!(error instanceof ParleyError) || !EARLY_SOCKET_LOST.has(error.code) || options.signal?.aborted) throw error;
        console.warn('[parley] the connection opened ahead closed as we joined; joining on a new one:', error.message);
      }
    }
    if (!joined) {
      const signaling = await SignalingClient.connect(options.url);
      joined = { signaling, reply: await requestJoin(signaling, options) };
    }
    const { signaling, reply } = joined;
    const room = new Room(signaling, reply, options);
    room.#start(reply.peers, options.leaveOnPageHide ?? true);
    room.#iceRefresh.schedule(reply.iceServersValidForMs);
    return room;
  }

  /** Our participant id; a new one after `rejoined`. */
  get selfId(): string {
    return this.#selfId;
  }

  /** Our display name as the others see it. */
  get selfName(): string {
    return this.#selfName;
  }

  /** Why we cannot come back to the server, in state `signaling-lost`. */
  get signalingError(): ParleyError | undefined {
    return this.#signalingError;
  }

  /** `host`: may switch the lobby, admit, deny and remove. */
  get role(): Role {
    return this.#role;
  }

  get isHost(): boolean {
    return this.#role === 'host';
  }

  /** Whether newcomers wait in the lobby for a host. */
  get lobbyEnabled(): boolean {
    return this.#lobby.enabled;
  }

  /** Hosts only: who waits in the lobby now, oldest knock first. */
  get waiting(): readonly WaiterInfo[] {
    return this.#lobby.waiting;
  }

  /** Hosts only: turn the lobby on, or off (which lets everyone waiting in). */
  async setLobby(enabled: boolean): Promise<void> {
    await this.#signaling.request({ type: 'set-lobby', enabled });
  }

  /** Hosts only: let a waiting person in. */
  async admit(waiterId: string): Promise<void> {
    await this.#signaling.request({ type: 'admit', peerId: waiterId });
  }

  /** Hosts only: turn a waiting person away. */
  async deny(waiterId: string): Promise<void> {
    await this.#signaling.request({ type: 'deny', peerId: waiterId });
  }

  /** Hosts only: put a participant out; their links to this room stop working. */
  async remove(participantId: string): Promise<void> {
    await this.#signaling.request({ type: 'remove', peerId: participantId });
  }

  /** True when a TURN relay is configured: calls can still connect when direct paths are blocked. */
  get hasRelay(): boolean {
    return this.#iceServers.some((server) =>
      (Array.isArray(server.urls) ? server.urls : [server.urls]).some((url) => /^turns?:/.test(url)),
    );
  }

  /** Whether this participant sends everything through the relay (its IP addresses stay hidden). */
  get relayOnly(): boolean {
    return this.#relayOnly;
  }

  /** Asks the server for fresh ICE servers now and gives them to every link. */
  async refreshIceServers(): Promise<void> {
    const reply = await this.#signaling.request({ type: 'ice-servers' });
    if (reply.type !== 'ice-servers' || this.#ended) return;
    this.#iceServers = [...(reply.iceServers as RTCIceServer[]), ...this.#extraIceServers];
    for (const link of this.#links.values()) link.setIceServers(this.#iceServers);
    this.#iceRefresh.schedule(reply.iceServersValidForMs);
  }

  /** Restarts ICE on every link (e.g. after a network change the browser did not notice). */
  restartIce(): void {
    for (const link of this.#links.values()) link.restartIce();
  }

  get state(): RoomState {
    return this.#state;
  }

  get participants(): ReadonlyMap<string, RemoteParticipant> {
    return this.#participants;
  }

  /** Sends a chat message to everyone over the data channels and returns it for our own history. */
  sendChat(text: string): ChatMessage {
    if (this.#ended) throw ParleyError.invalidState('this room was left');
    return this.#chat.send({ id: this.selfId, name: this.selfName }, text, this.#links);
  }

  /**
   * Offers a file to the given participants (everyone when omitted): one
   * transfer per recipient, each streaming from the file on disk.
   */
  sendFile(file: File, to?: readonly string[]): OutgoingTransfer[] {
    if (this.#ended) throw ParleyError.invalidState('this room was left');
    const recipients = to ?? [...this.#participants.keys()];
    return recipients.flatMap((id) => {
      const link = this.#links.get(id);
      const participant = this.#participants.get(id);
      return link && participant ? [this.files.send(file, peerTransferLink(link, participant))] : [];
    });
  }

  /**
   * Leaves: tells the server, closes every peer connection, stops every local
   * track, and drops every listener. Safe to call twice.
   */
  leave(): void {
    this.#close('left');
  }

  #close(final: 'left' | 'removed'): void {
    if (this.#ended) return;
    this.#iceRefresh.stop();
    clearInterval(this.#qualityTimer);
    this.#unconfirmed.clear();
    this.#signaling.close();
    for (const unsubscribe of this.#subs.splice(0)) unsubscribe();
    void this.files.closeAll();
    for (const id of [...this.#participants.keys()]) this.#removeParticipant(id, 'left', false);
    this.localParticipant.release();
    this.#lobby.clear();
    this.#setState(final);
    this.removeAllListeners();
  }

  /** A host put us out: say so, then close everything as `leave()` does. */
  #removed(message: string): void {
    if (this.#ended) return;
    this.emit('removed', message);
    this.#close('removed');
  }

  #start(peers: PeerInfo[], leaveOnPageHide: boolean): void {
    const local = this.localParticipant;
    this.#subs.push(
      this.#signaling.on('push', (message) => this.#onPush(message)),
      this.#signaling.on('resumed', (reply) => this.#resumed(reply)),
      this.#signaling.on('rejoined', (reply, reason) => this.#rejoined(reply, reason)),
      this.#signaling.on('lost', (error) => {
        if (error.code === 'removed') return this.#removed(error.message);
        this.#signalingError = error;
        this.#setState('signaling-lost');
        this.emit('signaling-lost', error);
      }),
      this.#signaling.on('state-changed', (state) => {
        if (this.#ended) return;
        if (state === 'reconnecting') this.#setState('reconnecting');
        else if (state === 'rejoining') this.#setState('rejoining');
        else if (state === 'connected') this.#setState('joined');
      }),
      local.on('track-changed', (kind, track) => {
        for (const link of this.#links.values()) void link.replaceTrack(kind, track);
      }),
      local.on('media-changed', (media) => this.#signaling.notify({ type: 'media', media })),
      local.on('screen-changed', (track) => {
        const announcement = this.#screenAnnouncement();
        for (const link of this.#links.values()) {
          void link.setScreenTrack(track, local.screenStream);
          link.send(announcement);
        }
      }),
    );
    if (leaveOnPageHide && typeof window !== 'undefined') {
      const onPageHide = (event: PageTransitionEvent) => {
        if (!event.persisted) this.leave();
      };
      window.addEventListener('pagehide', onPageHide);
      this.#subs.push(() => window.removeEventListener('pagehide', onPageHide));
    }
    this.#setState('joined');
    this.#addParticipants(peers);
    this.#qualityTimer = setInterval(() => void this.#measureQuality(), QUALITY_INTERVAL_MS);
  }

  get activeSpeakerId(): string | null {
    return this.#activeSpeaker;
  }

  /** Measures every link, shares our view of them with everyone, and picks the active speaker. */
  async #measureQuality(): Promise<void> {
    // A link that never connected has nothing to measure yet; its getStats would only take main-thread time while it starts.
    const links = [...this.#links].filter(([, link]) => link.connectedOnce).map(([id, link]) => ({
      id,
      pc: link.pc,
      muted: this.#participants.get(id)?.media.micMuted ?? true,
    }));
    const sample = await this.#quality.sample(links, this.localParticipant.media.micMuted);
    if (this.#ended) return;
    for (const [id, quality] of sample.qualities) {
      const participant = this.#participants.get(id);
      if (!participant) continue;
      participant.updateQuality(quality);
      this.emit('quality-changed', participant, quality);
    }
    this.mesh.report(this.selfId, sample.reports);
    const encoded = JSON.stringify({ type: 'link-stats', links: sample.reports });
    for (const link of this.#links.values()) link.send(encoded);
    if (sample.activeSpeaker !== this.#activeSpeaker) {
      this.#activeSpeaker = sample.activeSpeaker;
      this.emit('active-speaker-changed', sample.activeSpeaker);
    }
  }

  /** Back as the same participant: add whoever is new, and give those not listed a window to return. */
  #resumed(reply: JoinedMessage): void {
    this.#role = reply.role;
    this.#resetLobby(reply);
    const listed = new Set(reply.peers.map((peer) => peer.id));
    for (const peer of reply.peers) {
      this.#unconfirmed.confirm(peer.id);
      this.#addParticipant(peer);
      this.#participants.get(peer.id)?.updateMedia(peer.media);
    }
    // Signals to or from us may have died with the old socket: unanswered offers go again, broken paths restart.
    for (const link of this.#links.values()) link.resync();
    // A server that restarted lists only those back before us; the rest get a resume window to return.
    for (const id of this.#participants.keys()) {
      if (listed.has(id)) continue;
      this.#unconfirmed.expect(id, this.#resumeWindowMs + RECONNECT_CAP_MS, () => {
        if (this.#participants.get(id)?.connectionState !== 'connected') this.#removeParticipant(id, 'disconnected', true);
      });
    }
  }

  /**
   * A new participant in the same room: the others closed their links to our
   * old self when its place ended, so every link is built anew (the polite
   * side may change with our id). Chat still waiting for a channel waits for
   * the new one.
   */
  #rejoined(reply: JoinedMessage, reason: ParleyError): void {
    if (this.#ended) return;
    const previousSelfId = this.#selfId;
    this.#selfId = reply.selfId;
    this.#selfName = reply.name;
    this.#quality = new QualityMonitor(reply.selfId);
    this.mesh.forget(previousSelfId);
    this.#role = reply.role;
    this.#resetLobby(reply);
    this.#iceServers = [...(reply.iceServers as RTCIceServer[]), ...this.#extraIceServers];
    this.#iceRefresh.schedule(reply.iceServersValidForMs);
    const listed = new Set(reply.peers.map((peer) => peer.id));
    // Chat that waited for someone still here waits for their new link.
    const queued = this.#chat.takeQueues();
    for (const id of [...this.#participants.keys()]) this.#removeParticipant(id, 'disconnected', !listed.has(id));
    for (const peer of reply.peers) {
      this.#chat.requeue(peer.id, queued.get(peer.id));
      this.#addParticipant(peer);
    }
    this.emit('rejoined', { previousSelfId, reason });
  }

  #onPush(message: PushMessage): void {
    switch (message.type) {
      case 'peer-joined':
        this.#unconfirmed.confirm(message.peer.id);
        this.#addParticipant(message.peer);
        return;
      case 'peer-left':
        this.#removeParticipant(message.peerId, message.reason, true);
        return;
      case 'peer-media':
        this.#participants.get(message.peerId)?.updateMedia(message.media);
        return;
      case 'knock':
        this.#lobby.knock(message.peer);
        this.emit('knock', message.peer);
        return;
      case 'knock-ended':
        this.#lobby.knockEnded(message.peerId);
        this.emit('knock-ended', message.peerId, message.outcome);
        return;
      case 'lobby-changed':
        this.#setLobby(message.enabled);
        return;
      case 'removed':
        this.#removed(message.message);
        return;
      case 'signal':
        // The server only relays from members of our room; an unknown sender is one that already left.
        this.#unconfirmed.confirm(message.from);
        void this.#links.get(message.from)?.handleSignal(message.signal);
        return;
    }
  }

  /**
   * Links to everyone already in the room, each made with the camera budget
   * of the whole mesh: no link's budget changes while the next is made (a
   * change costs each link a synchronous trip into WebRTC's thread).
   */
  #addParticipants(peers: readonly PeerInfo[]): void {
    const receivers = this.#links.size + peers.filter((peer) => peer.id !== this.selfId && !this.#participants.has(peer.id)).length;
    for (const peer of peers) this.#addParticipant(peer, receivers);
  }

  /** `receivers`: how many people will receive our camera once this link is made (more when several are made at once). */
  #addParticipant(info: PeerInfo, receivers = this.#links.size + 1): void {
    if (info.id === this.selfId || this.#participants.has(info.id)) return;
    const local = this.localParticipant;
    const link = new PeerLink({
      remoteId: info.id,
      // Both sides compare the same two ids, so exactly one of them is polite.
      polite: this.selfId < info.id,
      iceServers: this.#iceServers,
      iceTransportPolicy: this.#relayOnly ? 'relay' : 'all',
      localStream: local.stream,
      tracks: Object.fromEntries(MEDIA_KINDS.map((kind) => [kind, local.track(kind)])) as Record<
        'audio' | 'video',
        MediaStreamTrack | null
      >,
      videoBudget: cameraBudget(receivers),
    });
    const participant = new RemoteParticipant(info, link);
    this.#links.set(info.id, link);
    this.#participants.set(info.id, participant);
    this.#rebudgetVideo(receivers);

    link.on('signal', (signal) => this.#signaling.notify({ type: 'signal', to: info.id, signal }));
    link.on('message', (text) => this.#onPeerMessage(participant, link, text));
    link.on('channel', (channel) => this.files.handleChannel(channel, peerTransferLink(link, participant)));
    // Someone joining while we share gets the share too, and is told which stream it is.
    if (local.screenTrack) void link.setScreenTrack(local.screenTrack, local.screenStream);
    link.on('channel-open', () => {
      if (local.screenTrack) link.send(this.#screenAnnouncement());
      this.#chat.flush(info.id, link);
    });
    participant.on('screen-changed', (sharing) => this.emit('screen-changed', participant, sharing));
    participant.on('track-added', (track) => this.emit('track-added', participant, track));
    participant.on('track-removed', (track) => this.emit('track-removed', participant, track));
    participant.on('media-changed', (media) => this.emit('media-changed', participant, media));
    participant.on('connection-state', (state) => this.emit('peer-connection-state', participant, state));
    participant.on('safety-changed', (status) => this.emit('safety-changed', participant, status));
    this.emit('participant-joined', participant);
  }

  #removeParticipant(id: string, reason: PeerLeftReason, announce: boolean): void {
    this.#unconfirmed.confirm(id);
    const participant = this.#participants.get(id);
    const link = this.#links.get(id);
    this.#participants.delete(id);
    this.#links.delete(id);
    this.#chat.forget(id);
    this.files.abandonPeer(id);
    this.mesh.forget(id);
    this.#quality.forget(id);
    link?.close();
    this.#rebudgetVideo();
    if (!participant) return;
    participant.dispose();
    if (announce) this.emit('participant-left', participant, reason);
  }

  /** Every link's camera stream gets the share that fits how many people receive it, smaller while a file moves. */
  #rebudgetVideo(receivers = this.#links.size): void {
    const budget = this.files.moving ? whileFileMoves(cameraBudget(receivers)) : cameraBudget(receivers);
    for (const link of this.#links.values()) link.setVideoBudget(budget);
  }

  #onPeerMessage(participant: RemoteParticipant, link: PeerLink, text: string): void {
    const message = decodePeerMessage(text);
    if (!message) {
      console.warn(`[parley] ignored a data-channel message from ${participant.id} that breaks the peer protocol`);
      return;
    }
    switch (message.type) {
      case 'chat': {
        const shown = this.#chat.receive({ id: participant.id, name: participant.name }, message);
        if (shown) this.emit('message', shown);
        return;
      }
      case 'screen-share':
        participant.setScreenStreamId(message.streamId);
        return;
      case 'link-stats':
        this.mesh.report(participant.id, message.links);
        return;
      case 'file-offer':
      case 'file-answer':
      case 'file-cancel':
      case 'file-received':
        this.files.handleControl(message, peerTransferLink(link, participant));
        return;
      case 'safety-commit':
      case 'safety-nonce':
      case 'safety-reveal':
        // The participant's SafetyCheck reads these from the link itself.
        return;
    }
  }

  #screenAnnouncement(): string {
    const local = this.localParticipant;
    return JSON.stringify({ type: 'screen-share', streamId: local.screenTrack ? local.screenStream.id : null });
  }

  /** Left, or removed: nothing more happens in this room. */
  get #ended(): boolean {
    return this.#state === 'left' || this.#state === 'removed';
  }

  #setLobby(enabled: boolean): void {
    if (this.#lobby.setEnabled(enabled)) this.emit('lobby-changed', enabled);
  }

  /** The lobby as the server's join or resume answer has it. */
  #resetLobby(reply: JoinedMessage): void {
    if (this.#lobby.reset(reply)) this.emit('lobby-changed', reply.lobby);
  }

  #setState(next: RoomState): void {
    const previous = this.#state;
    if (previous === next) return;
    this.#state = next;
    this.emit('state-changed', next, previous);
  }
}

