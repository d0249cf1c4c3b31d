import { createHash } from 'node:crypto';
import { errors, jwtVerify } from 'jose';
import { decodeRoomTokenClaims, type Role } from '@parley/protocol';

/** What a valid room token lets its holder do. */
export interface VerifiedRoomToken {
  room: string;
  /** The display name: the embedding product's, not typed by the participant. */
  name: string;
  /** Absent: the usual rule (whoever creates the room hosts it). */
  role: Role | undefined;
  /** Seconds since the epoch; the token is refused after it. */
  exp: number;
  /** Names this exact token (a hash of it), so a removed participant's token can be refused. */
  tokenId: string;
}

export type TokenCheck = { ok: true; claims: VerifiedRoomToken } | { ok: false; reason: string };

/** Clocks of the issuer and this server may differ a little. */
const CLOCK_TOLERANCE_S = 30;

/**
 * Room tokens for embedding Parley in another product: HS256 JWTs signed with
 * the secret shared with that product, carrying `room`, `name`, `exp` and an
 * optional `role`. A token opens exactly the room it names.
 */
export class RoomTokens {
  readonly #key: Uint8Array;

  constructor(secret: string) {
    this.#key = new TextEncoder().encode(secret);
  }

  async verify(token: string, room: string): Promise<TokenCheck> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.#key, {
        // Only HS256: never let the token choose its algorithm (alg "none", or RS/HS confusion).
        algorithms: ['HS256'],
        requiredClaims: ['exp', 'room', 'name'],
        clockTolerance: CLOCK_TOLERANCE_S,
      }));
    } catch (error) {
      return { ok: false, reason: describe(error) };
    }
    const decoded = decodeRoomTokenClaims(payload);
    if (!decoded.ok) return { ok: false, reason: `the room token's claims are not usable (${decoded.reason})` };
    const { claims } = decoded;
    if (claims.room !== room) return { ok: false, reason: 'the room token is for another room' };
    return {
      ok: true,
      claims: { room: claims.room, name: claims.name, exp: claims.exp, role: claims.role, tokenId: createHash('sha256').update(token).digest('base64url') },
    };
  }
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the room token has expired';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the room token was not signed with this server\'s secret';
  if (error instanceof errors.JWTClaimValidationFailed) return `the room token lacks a valid "${error.claim}" claim`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the room token must be signed with HS256';
  return 'the room token is malformed';
}
