import { z } from 'zod';
import { Envelope, ErrorCodeSchema, KNOWN_RELATION_TYPES } from '../protocol/index.js';

/**
 * What a queued relation does to an earlier message of its room: `edit`, `reaction` and `reply` send
 * the item's text related to the target (`eventId`; its `seq` is what people see); `delete` removes
 * the message at `seq` for good and carries no text.
 */
export const OutboxRelation = z.object({ type: z.enum(KNOWN_RELATION_TYPES), eventId: z.uuid(), seq: z.number().int().positive() }).strict();
export type OutboxRelation = z.infer<typeof OutboxRelation>;

/**
 * One message typed but not yet acknowledged by the server, as the outbox keeps it (on disk for the
 * CLI, so it survives quitting). A private room's message carries its `envelope` once it has been
 * encrypted — at flush time, never when queued — so a re-send after a reconnect repeats the same
 * ciphertext and the server stores it once. `failed`: the server refused it for good (the user retries
 * or discards it). `relation`: an edit, reaction, reply or delete of an earlier message (absent for a
 * plain message; a delete's `text` is empty). Records written before relations were queued parse as plain messages.
 */
export const OutboxItem = z.object({
  clientMsgId: z.uuid(),
  roomId: z.uuid(),
  /** Whether the room is private (end-to-end encrypted): decides body or envelope. */
  private: z.boolean(),
  text: z.string(),
  /** When it was typed, ms since epoch; the outbox sends in this order. */
  queuedAt: z.number().int().nonnegative(),
  envelope: Envelope.optional(),
  failed: z.object({ code: ErrorCodeSchema, message: z.string() }).optional(),
  relation: OutboxRelation.optional(),
});
export type OutboxItem = z.infer<typeof OutboxItem>;

/**
 * Where the outbox keeps its items, one record per message: memory (tests, the web), a sealed file per
 * message in the CLI's home. `list` answers every kept item (any order); a record that does not parse is
 * left out, not thrown. `put` adds or replaces the item with that clientMsgId.
 */
export interface OutboxStore {
  list(): Promise<OutboxItem[]>;
  put(item: OutboxItem): Promise<void>;
  remove(clientMsgId: string): Promise<void>;
}
