import { z } from 'zod';
import { Envelope } from './e2e.js';
import { Relation } from './relations.js';

/** A user as others see them. */
export const UserRef = z.object({ id: z.uuid(), username: z.string() });
export type UserRef = z.infer<typeof UserRef>;

/** What happened in a room; every kind is one entry in the room's sequenced stream. */
/** `remove`: the owner removed `target` from the room. */
export const RoomEventKind = z.enum(['message', 'join', 'leave', 'remove']);
export type RoomEventKind = z.infer<typeof RoomEventKind>;

/**
 * One entry in a room's stream. `seq` is dense and increasing per room, assigned when the event is
 * committed: clients resume from the last seq they saw and detect gaps by it.
 */
export const RoomEvent = z.object({
  id: z.uuid(),
  roomId: z.uuid(),
  seq: z.number().int().positive(),
  kind: RoomEventKind,
  sender: UserRef,
  /** The message text in open rooms; null for membership events and in private rooms. */
  body: z.string().nullable(),
  /** The encrypted message in private rooms; null otherwise. */
  envelope: Envelope.nullable(),
  /** Who was removed, for `remove` events; null otherwise. */
  target: UserRef.nullable(),
  /** The sender's idempotency key for messages; null for membership events. */
  clientMsgId: z.uuid().nullable(),
  createdAt: z.iso.datetime(),
  /**
   * For a message that edits, deletes, reacts to or replies to an earlier one: the relation type and the
   * target (see relations.ts). Null or absent for a plain message. A `delete` carries no content.
   */
  relation: Relation.nullable().optional(),
  /** True once the message (or edit, reaction, reply) was deleted: its content is gone from the server for good. */
  redacted: z.boolean().optional(),
});
export type RoomEvent = z.infer<typeof RoomEvent>;
