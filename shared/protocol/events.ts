import { z } from 'zod';

/** A user as others see them. */
export const UserRef = z.object({ id: z.uuid(), username: z.string() });
export type UserRef = z.infer<typeof UserRef>;

/** What happened in a room; every kind is one entry in the room's sequenced stream. */
export const RoomEventKind = z.enum(['message', 'join', 'leave']);
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
  /** The message text; null for membership events. */
  body: z.string().nullable(),
  /** The sender's idempotency key for messages; null for membership events. */
  clientMsgId: z.uuid().nullable(),
  createdAt: z.iso.datetime(),
});
export type RoomEvent = z.infer<typeof RoomEvent>;
