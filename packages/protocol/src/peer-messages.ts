import * as v from 'valibot';

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

export const PeerMessageSchema = v.variant('type', [ChatPeerMessageSchema]);

export type ChatPeerMessage = v.InferOutput<typeof ChatPeerMessageSchema>;
export type PeerMessage = v.InferOutput<typeof PeerMessageSchema>;

/** Decodes a data-channel message; undefined for anything that breaks the peer protocol. */
export function decodePeerMessage(text: string): PeerMessage | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // A peer sent garbage: dropped like any other message that fails its schema.
    return undefined;
  }
  const result = v.safeParse(PeerMessageSchema, raw);
  return result.success ? result.output : undefined;
}
