import type { PeerId } from '@parley/protocol';
import type { PasswordHash } from './PasswordHash.js';

/**
 * Who may enter one room and who runs it: the password hash set by the
 * creator, whether newcomers wait in the lobby, and the hosts. Plain state,
 * so it can move to a shared store unchanged in meaning.
 */
export class RoomPolicy {
  /** Newcomers wait for a host to admit them. */
  lobby: boolean;
  #password: PasswordHash | undefined;
  readonly #hosts = new Set<PeerId>();

  constructor(options: { password?: PasswordHash | undefined; lobby?: boolean | undefined } = {}) {
    this.#password = options.password;
    this.lobby = options.lobby ?? false;
  }

  get password(): PasswordHash | undefined {
    return this.#password;
  }

  /**
   * The room was older, on other nodes (rooms shared through Redis): the
   * password every node enforces is this room's too.
   */
  adoptSharedPassword(password: PasswordHash | undefined): void {
    this.#password = password;
  }

  isHost(id: PeerId): boolean {
    return this.#hosts.has(id);
  }

  addHost(id: PeerId): void {
    this.#hosts.add(id);
  }

  /** The participant is gone for good (left, expired, removed): a later participant never inherits its id's role. */
  forget(id: PeerId): void {
    this.#hosts.delete(id);
  }
}
