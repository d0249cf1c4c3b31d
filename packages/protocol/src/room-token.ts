import * as v from 'valibot';
import { DisplayNameSchema, RoleSchema, RoomNameSchema } from './common.js';

/**
 * The claims of a room token (an HS256 JWT an embedding product signs with
 * the server's JWT_SECRET): which room it opens, the name to show, when it
 * expires (seconds since the epoch), and optionally the holder's role.
 */
export const RoomTokenClaimsSchema = v.object({
  room: RoomNameSchema,
  name: DisplayNameSchema,
  exp: v.pipe(v.number(), v.integer()),
  role: v.optional(RoleSchema),
});

export type RoomTokenClaims = v.InferOutput<typeof RoomTokenClaimsSchema>;

/** The claims, or the first reason they are unusable (e.g. `name: name is empty`). */
export function decodeRoomTokenClaims(payload: unknown): { ok: true; claims: RoomTokenClaims } | { ok: false; reason: string } {
  const result = v.safeParse(RoomTokenClaimsSchema, payload);
  if (result.success) return { ok: true, claims: result.output };
  const issue = result.issues[0];
  const path = issue ? v.getDotPath(issue) : null;
  return { ok: false, reason: issue ? (path ? `${path}: ${issue.message}` : issue.message) : 'claims do not match' };
}
