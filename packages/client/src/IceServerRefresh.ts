/** Fresh TURN credentials are fetched when this share of their lifetime has passed. */
const REFRESH_AT = 0.75;
/** After a failed refresh (signaling down), try again this much later. */
const RETRY_MS = 30_000;

/**
 * coturn checks a credential's expiry only when an allocation is made, so a
 * running call outlives it; but an ICE restart later needs a new allocation,
 * hence fresh credentials before the old ones run out. `refresh` fetches
 * them (and calls `schedule` again with their lifetime).
 */
export class IceServerRefresh {
  readonly #refresh: () => Promise<void>;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(refresh: () => Promise<void>) {
    this.#refresh = refresh;
  }

  /** Plans the next refresh for credentials valid `validForMs` from now; `undefined`: they do not expire. */
  schedule(validForMs: number | undefined): void {
    clearTimeout(this.#timer);
    if (validForMs === undefined || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#refresh().catch((error: unknown) => {
        console.warn('[parley] could not refresh ICE servers; retrying:', error);
        this.schedule(Math.min(validForMs, RETRY_MS) / REFRESH_AT);
      });
    }, validForMs * REFRESH_AT);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}
