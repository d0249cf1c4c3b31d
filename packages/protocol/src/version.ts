/**
 * The signaling protocol version. A client sends it in `join` and `resume`; the
 * server refuses a version it does not speak with `unsupported-protocol` rather
 * than guessing. Bump it for any change an older peer would misread, and add a
 * line to the history in docs/protocol.md.
 *
 * 2: resume tokens and numbered pushes, `ping`, and access: `joined` carries
 *    `role`, `lobby`, `passwordProtected`, `waiting`; `lobby-waiting`, `knock`,
 *    `knock-ended`, `lobby-changed`, `removed`, `set-lobby`, `admit`, `deny`,
 *    `remove` are new.
 */
export const PROTOCOL_VERSION = 2;

/** The refusal a client of another version gets: what to do about it, in words a page can show. */
export function protocolMismatchReason(clientVersion: number): string {
  return `this server speaks protocol ${PROTOCOL_VERSION}, the client ${clientVersion}; reload the page`;
}
