import { createHmac, timingSafeEqual } from 'node:crypto';
import type { MediaState, PeerId, Role } from '@parley/protocol';
import { randomBase64url } from './randomText.js';

/** What a resume token vouches for: who, where, under which name. */
export interface ResumeClaims {
  participantId: PeerId;
  room: string;
  name: string;
  media: MediaState;
  /** A host comes back as a host, even to a server that restarted. */
  role: Role;
  /** Unique per token: a session accepts only the nonce of the token it issued last. */
  nonce: string;
  issuedAt: number;
}

/**
 * Signed, self-contained resume tokens (`v1.<claims>.<HMAC-SHA256>`), so a
 * server that restarted, or another node sharing the secret, can take a
 * participant back without having kept any state.
 */
export class ResumeTokens {
  readonly #secret: Buffer;

  constructor(
    secret: string,
    /** How long a token may be presented after it was issued. */
    private readonly lifetimeMs: number,
  ) {
    this.#secret = Buffer.from(secret);
  }

  issue(claims: Omit<ResumeClaims, 'nonce' | 'issuedAt'>, now = Date.now()): { token: string; nonce: string } {
    const nonce = randomBase64url(12);
    const body = Buffer.from(JSON.stringify({ ...claims, nonce, issuedAt: now })).toString('base64url');
    return { token: `v1.${body}.${this.#sign(body)}`, nonce };
  }

  /** The claims of a genuine, unexpired token; undefined for anything else. */
  verify(token: string, now = Date.now()): ResumeClaims | undefined {
    const [version, body, signature] = token.split('.');
    if (version !== 'v1' || !body || !signature) return undefined;
    const expected = Buffer.from(this.#sign(body));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    let claims: ResumeClaims;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as ResumeClaims;
    } catch {
      // Signed by us, so this cannot happen short of a bug; refuse rather than throw.
      return undefined;
    }
    if (typeof claims.issuedAt !== 'number' || now - claims.issuedAt > this.lifetimeMs) return undefined;
    return claims;
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#secret).update(body).digest('base64url');
  }
}
