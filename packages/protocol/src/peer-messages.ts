import * as v from 'valibot';
import { BIDI_CONTROLS } from './limits.js';

/**
 * Messages peers send each other over their data channel, not through the
 * server. The sender is known from the link they arrive on, so no message
 * names its own sender.
 */

export const MAX_CHAT_TEXT_LENGTH = 4000;

export const ChatPeerMessageSchema = v.object({
  type: v.literal('chat'),
  /** Unique per sender; lets a receiver drop a duplicate. */
  id: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  text: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_CHAT_TEXT_LENGTH)),
  /** Sender's clock, ms since the epoch. */
  sentAt: v.pipe(v.number(), v.integer(), v.minValue(0)),
});

/** 64 GiB: far past anything a browser will hold, short of absurd sizes that break progress maths. */
export const MAX_FILE_SIZE = 64 * 1024 ** 3;
const TransferIdSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,32}$/, 'not a transfer id'));

/** "I would like to send you this file." The receiver answers with `file-answer`. */
export const FileOfferPeerMessageSchema = v.object({
  type: v.literal('file-offer'),
  transferId: TransferIdSchema,
  // Shown to the receiver and used to save the file: nothing that reorders the text or names a folder.
  name: v.pipe(
    v.string(),
    v.maxLength(255),
    v.transform((name) => name.replace(BIDI_CONTROLS, '').replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim()),
    v.minLength(1),
  ),
  size: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_FILE_SIZE)),
  mime: v.pipe(v.string(), v.maxLength(255)),
});

export const FileAnswerPeerMessageSchema = v.object({
  type: v.literal('file-answer'),
  transferId: TransferIdSchema,
  accept: v.boolean(),
});

/** Either side gives up on a transfer. */
export const FileCancelPeerMessageSchema = v.object({
  type: v.literal('file-cancel'),
  transferId: TransferIdSchema,
});

/** The receiver's verdict after checking the SHA-256 the sender sent at the end. */
export const FileReceivedPeerMessageSchema = v.object({
  type: v.literal('file-received'),
  transferId: TransferIdSchema,
  verified: v.boolean(),
});

/**
 * A file is hashed in blocks of this size (the last may be shorter): each
 * block on its own with Web Crypto, which is native and leaves the page's
 * main thread free, unlike an incremental SHA-256 in JavaScript.
 */
export const FILE_HASH_BLOCK_BYTES = 1024 * 1024;

/**
 * The last frame on a file's own data channel, after the binary chunks:
 * SHA-256 over the SHA-256 digests of the file's blocks, in order (a one-level
 * hash list; see FILE_HASH_BLOCK_BYTES).
 */
export const FileEndFrameSchema = v.object({
  type: v.literal('file-end'),
  blockListSha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
});

/**
 * "My screen share travels in the stream with this id" (null: stopped). The
 * receiver files tracks of that stream as a screen, not as a camera.
 */
export const ScreenSharePeerMessageSchema = v.object({
  type: v.literal('screen-share'),
  streamId: v.nullable(v.pipe(v.string(), v.minLength(1), v.maxLength(128))),
});

/** 32 random bytes, or a SHA-256 digest, in lowercase hex. */
const Hex256Schema = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'not 64 lowercase hex digits'));

/**
 * The safety code's commitment (docs/decisions/0008-safety-code.md): the
 * impolite side first sends the hash of a random nonce, the polite side
 * answers with its own nonce, then the first reveals its nonce. Both nonces
 * go into the code, so a middle must commit to its values before it can know
 * what they would need to be.
 */
export const SafetyCommitPeerMessageSchema = v.object({
  type: v.literal('safety-commit'),
  /** SHA-256 of `parley-safety-commit/<version>\n<nonce hex>`. */
  commitment: Hex256Schema,
});

/** The polite side's nonce, sent only after it holds the other side's commitment. */
export const SafetyNoncePeerMessageSchema = v.object({
  type: v.literal('safety-nonce'),
  nonce: Hex256Schema,
});

/** The impolite side's nonce, which must hash to its commitment. */
export const SafetyRevealPeerMessageSchema = v.object({
  type: v.literal('safety-reveal'),
  nonce: Hex256Schema,
});

export const PATH_KINDS = ['direct', 'nat', 'relay'] as const;
export const QUALITY_LEVELS = ['good', 'fair', 'poor', 'unknown'] as const;

/** How one link looks from one end; shared so everyone can see the whole mesh. */
export const LinkReportSchema = v.object({
  peerId: v.pipe(v.string(), v.maxLength(32)),
  rttMs: v.nullable(v.pipe(v.number(), v.minValue(0), v.maxValue(60_000))),
  lossPercent: v.nullable(v.pipe(v.number(), v.minValue(0), v.maxValue(100))),
  path: v.nullable(v.picklist(PATH_KINDS)),
  transport: v.nullable(v.picklist(['udp', 'tcp'])),
  level: v.picklist(QUALITY_LEVELS),
});

/** Every couple of seconds each participant tells the others how its links are doing. */
export const LinkStatsPeerMessageSchema = v.object({
  type: v.literal('link-stats'),
  links: v.pipe(v.array(LinkReportSchema), v.maxLength(64)),
});

export const PeerMessageSchema = v.variant('type', [
  ChatPeerMessageSchema,
  LinkStatsPeerMessageSchema,
  ScreenSharePeerMessageSchema,
  FileOfferPeerMessageSchema,
  FileAnswerPeerMessageSchema,
  FileCancelPeerMessageSchema,
  FileReceivedPeerMessageSchema,
  SafetyCommitPeerMessageSchema,
  SafetyNoncePeerMessageSchema,
  SafetyRevealPeerMessageSchema,
]);

export type ChatPeerMessage = v.InferOutput<typeof ChatPeerMessageSchema>;
export type LinkReport = v.InferOutput<typeof LinkReportSchema>;
export type LinkStatsPeerMessage = v.InferOutput<typeof LinkStatsPeerMessageSchema>;
export type ScreenSharePeerMessage = v.InferOutput<typeof ScreenSharePeerMessageSchema>;
export type FileOfferPeerMessage = v.InferOutput<typeof FileOfferPeerMessageSchema>;
export type FileAnswerPeerMessage = v.InferOutput<typeof FileAnswerPeerMessageSchema>;
export type FileCancelPeerMessage = v.InferOutput<typeof FileCancelPeerMessageSchema>;
export type FileReceivedPeerMessage = v.InferOutput<typeof FileReceivedPeerMessageSchema>;
export type SafetyPeerMessage = v.InferOutput<typeof SafetyCommitPeerMessageSchema | typeof SafetyNoncePeerMessageSchema | typeof SafetyRevealPeerMessageSchema>;
export type FileEndFrame = v.InferOutput<typeof FileEndFrameSchema>;
export type FilePeerMessage = FileOfferPeerMessage | FileAnswerPeerMessage | FileCancelPeerMessage | FileReceivedPeerMessage;
export type PeerMessage = v.InferOutput<typeof PeerMessageSchema>;

/** Decodes a data-channel message; undefined for anything that breaks the peer protocol. */
export function decodePeerMessage(text: string): PeerMessage | undefined {
  return decodeWith(PeerMessageSchema, text);
}

/** Decodes the text frame that ends a file channel. */
export function decodeFileEndFrame(text: string): FileEndFrame | undefined {
  return decodeWith(FileEndFrameSchema, text);
}

function decodeWith<S extends v.GenericSchema>(schema: S, text: string): v.InferOutput<S> | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // A peer sent garbage: dropped like any other message that fails its schema.
    return undefined;
  }
  const result = v.safeParse(schema, raw);
  return result.success ? result.output : undefined;
}
