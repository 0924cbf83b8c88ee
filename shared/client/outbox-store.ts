import { z } from 'zod';
import { Envelope, ErrorCodeSchema } from '../protocol/index.js';

/**
 * One message typed but not yet acknowledged by the server, as the outbox keeps it (on disk for the
 * CLI, so it survives quitting). A private room's message carries its `envelope` once it has been
 * encrypted — at flush time, never when queued — so a re-send after a reconnect repeats the same
 * ciphertext and the server stores it once. `failed`: the server refused it for good (the user retries
 * or discards it).
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
