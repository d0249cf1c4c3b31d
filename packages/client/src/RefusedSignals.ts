/**
 * Signals a multi-node server refused `unavailable` (its Redis has not
 * answered for a while, so nothing was delivered), waiting to be sent again.
 *
 * An offer or a candidate lost that way would leave a pair half negotiated
 * until an ICE restart, so each is sent again: after RESEND_FIRST_MS, then
 * twice as long each time it is refused again (at most RESEND_CAP_MS), for up
 * to RESEND_GIVE_UP_MS after its first refusal. Those due at the same moment
 * go out in the order they were first sent. Sent again, a signal gets a new
 * `seq` (the server took the refused one's as handled), so its history is
 * kept under the new one in case that is refused too.
 */
export const RESEND_FIRST_MS = 500;
export const RESEND_CAP_MS = 4_000;
export const RESEND_GIVE_UP_MS = 30_000;
/**
 * Refusals of one stall reach us a few milliseconds apart, one reply each;
 * signals due within this much of the first go out together, in order, so a
 * busy page's timer firing between them does not reverse two candidates.
 */
const GATHER_MS = 50;

interface History {
  /** When the signal was first refused. */
  since: number;
  /** How many times it was sent again. */
  attempts: number;
}

interface Waiting<M> extends History {
  message: M;
  /** The `seq` it was first sent with: the order they go out in. */
  firstSeq: number;
  dueAt: number;
}

export class RefusedSignals<M> {
  #waiting: Waiting<M>[] = [];
  /** Signals sent again, by their new `seq`. */
  readonly #resent = new Map<number, History & { firstSeq: number }>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** `send` sends a signal again and returns the `seq` it went with. */
  constructor(
    private readonly send: (message: M) => number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The server refused the signal numbered `seq` (`message`, as first sent). */
  refused(seq: number, message: M): void {
    const now = this.now();
    const history = this.#resent.get(seq) ?? { since: now, attempts: 0, firstSeq: seq };
    this.#resent.delete(seq);
    if (now - history.since >= RESEND_GIVE_UP_MS) {
      console.warn(`[parley] a signal was refused for ${Math.round((now - history.since) / 1000)} s (the server's nodes cannot reach each other); giving it up`);
      return;
    }
    const delay = Math.min(RESEND_CAP_MS, RESEND_FIRST_MS * 2 ** history.attempts);
    this.#waiting.push({ ...history, message, dueAt: now + delay });
    this.#schedule();
  }

  /** Forgets everything and sends nothing more. */
  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#waiting = [];
    this.#resent.clear();
  }

  #schedule(): void {
    if (this.#waiting.length === 0) return;
    const next = Math.min(...this.#waiting.map((entry) => entry.dueAt));
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#flush(), Math.max(0, next - this.now()));
  }

  #flush(): void {
    this.#timer = undefined;
    const now = this.now();
    const due = this.#waiting.filter((entry) => entry.dueAt <= now + GATHER_MS).sort((a, b) => a.firstSeq - b.firstSeq);
    this.#waiting = this.#waiting.filter((entry) => entry.dueAt > now + GATHER_MS);
    for (const [seq, history] of this.#resent) {
      if (now - history.since >= RESEND_GIVE_UP_MS) this.#resent.delete(seq);
    }
    for (const entry of due) {
      const seq = this.send(entry.message);
      this.#resent.set(seq, { since: entry.since, attempts: entry.attempts + 1, firstSeq: entry.firstSeq });
    }
    this.#schedule();
  }
}
