import { z } from 'zod';
import { DeviceAdded, RoomEvent, UserRef } from '../../shared/protocol/index.js';
import type { Bus } from './bus.js';
import { Channels } from './bus.js';

/*
 * What instances tell each other over the bus. These messages never reach a client: their
 * discriminator is `t`, the bus's own, so that no bus message can be mistaken for a wire frame
 * (whose discriminator is `type`) or passed on as one. Receivers read them with `safeParse`.
 */

/** A committed room event, on the room's channel (a hint: receivers check it against the store by seq). */
export const RoomEventMessage = z.object({ t: z.literal('event'), event: RoomEvent });
/** Someone started or stopped typing in the room; `connectionId` is the socket not to echo it to. */
export const TypingMessage = z.object({ t: z.literal('typing'), user: UserRef, state: z.enum(['start', 'stop']), connectionId: z.string().min(1) });

/** Everything that travels on a room's channel (`Channels.room`). */
export const RoomBusMessage = z.discriminatedUnion('t', [RoomEventMessage, TypingMessage]);
export type RoomBusMessage = z.infer<typeof RoomBusMessage>;

/**
 * A device's sessions (or one of them) ended: forget what is cached of them and close their sockets.
 * `sessionId` is absent when every session of the device ended (the device was revoked).
 */
export const RevokeNotice = z.object({ t: z.literal('revoke'), deviceId: z.string().min(1), sessionId: z.string().min(1).optional() });
export type RevokeNotice = z.infer<typeof RevokeNotice>;
/** These devices have new chain shares (or reshare requests) waiting. */
export const SharesNotice = z.object({ t: z.literal('shares'), deviceIds: z.array(z.string()) });
export type SharesNotice = z.infer<typeof SharesNotice>;
/** These users' devices changed (one added, approved or revoked) or a device verification moved on: their clients look again. */
export const DevicesNotice = z.object({ t: z.literal('devices'), userIds: z.array(z.string()), added: DeviceAdded.optional() });
export type DevicesNotice = z.infer<typeof DevicesNotice>;
/** These users' room lists changed (added, removed, joined, left or created a room): their clients fetch the room list. */
export const RoomsNotice = z.object({ t: z.literal('rooms'), userIds: z.array(z.string()) });
export type RoomsNotice = z.infer<typeof RoomsNotice>;
/** A user came online or went offline; told to the subscribers of `roomIds`. `lastSeenAt`: ISO date or null. */
export const PresenceNotice = z.object({
  t: z.literal('presence'),
  user: UserRef,
  status: z.enum(['online', 'offline']),
  lastSeenAt: z.iso.datetime().nullable(),
  roomIds: z.array(z.string()),
});
export type PresenceNotice = z.infer<typeof PresenceNotice>;

/** A user's read marker in a room moved: told to every socket of that user. */
export const ReadNotice = z.object({ t: z.literal('read'), userId: z.string().min(1), roomId: z.string().min(1), seq: z.number().int().nonnegative() });
export type ReadNotice = z.infer<typeof ReadNotice>;

/** Everything that travels on the control channel (`Channels.control`), to every instance. */
export const ControlMessage = z.discriminatedUnion('t', [RevokeNotice, SharesNotice, RoomsNotice, PresenceNotice, ReadNotice, DevicesNotice]);
export type ControlMessage = z.infer<typeof ControlMessage>;

/** Publishes a message on a room's channel. */
export function publishRoomMessage(bus: Bus, roomId: string, message: RoomBusMessage): Promise<void> {
  return bus.publish(Channels.room(roomId), JSON.stringify(message));
}

/** Publishes a message on the control channel. */
export function publishControl(bus: Bus, message: ControlMessage): Promise<void> {
  return bus.publish(Channels.control, JSON.stringify(message));
}

/** What reading a bus message gave: the message, or why it was not one (for a debug log line). */
export type BusRead<T> = { readonly ok: true; readonly message: T } | { readonly ok: false; readonly reason: string };

/** Reads raw bus text with one of the unions above; never throws. */
export function readBusMessage<S extends z.ZodType>(schema: S, raw: string): BusRead<z.infer<S>> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const result = schema.safeParse(json);
  if (!result.success) return { ok: false, reason: result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
  return { ok: true, message: result.data };
}
