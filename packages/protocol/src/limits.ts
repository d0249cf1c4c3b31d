/**
 * Limits shared by both sides: the server enforces them, the client uses them to
 * say "too long" before a round trip. Each one is a number a person could hit.
 */

/** Room names travel in URLs (`/r/<room>`): URL-safe, no case games, short. */
export const ROOM_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
export const MAX_ROOM_NAME_LENGTH = 64;

/** Display names are shown on tiles and in chat; 64 characters fit any tile. */
export const MAX_DISPLAY_NAME_LENGTH = 64;

/** A full mesh sends every stream to everyone: past 8 the call is bad for all. */
export const DEFAULT_MAX_PARTICIPANTS = 8;

/**
 * The largest WebSocket message the server accepts. An SDP offer with audio,
 * video and data is 3-8 KB; 64 KiB leaves room for renegotiations with many
 * transceivers and keeps a hostile client from pinning memory.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024;

/** SDP and candidate strings are bounded inside the message limit too. */
export const MAX_SDP_LENGTH = 32 * 1024;
export const MAX_CANDIDATE_LENGTH = 1024;

/** Request ids are plain counters; keep them in the range JSON numbers are exact. */
export const MAX_REQUEST_ID = 2 ** 31 - 1;

/**
 * Characters that reorder the text around them (bidi overrides, embeddings,
 * isolates and marks). In a name or a file name they disguise it
 * ("invoice\u202Efdp.exe" shows as "invoiceexe.pdf"), so those refuse or drop them.
 */
export const BIDI_CONTROLS = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** Room passwords are typed by people; longer than this is a paste of something else. */
export const MAX_PASSWORD_LENGTH = 128;

/** A room token (JWT) from an embedding product: a few hundred bytes in practice. */
export const MAX_ROOM_TOKEN_LENGTH = 4096;

/** People waiting in one room's lobby at once; more knocks are refused with `room-full`. */
export const MAX_LOBBY_WAITING = 20;
