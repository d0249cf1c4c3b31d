/**
 * The signaling protocol version. A client sends it in `join`; the server refuses
 * a version it does not speak with `unsupported-protocol` rather than guessing.
 * Bump it for any change an older peer would misread.
 */
export const PROTOCOL_VERSION = 1;
