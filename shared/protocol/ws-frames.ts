import { z } from 'zod';
import { Envelope } from './e2e.js';
import { ErrorCodeSchema } from './errors.js';
import { RoomEvent, UserRef } from './events.js';
import { MessageBody } from './names.js';
import { RelatesTo } from './relations.js';

/** The WebSocket path. */
export const WS_PATH = '/ws';
/** The largest frame either side accepts, in bytes. */
export const WS_MAX_PAYLOAD = 64 * 1024;
/** How many events a subscribe backfills before it answers `recovered: false`. */
export const BACKFILL_LIMIT = 500;
/** How long a typing indicator lasts unless refreshed. */
export const TYPING_TTL_MS = 6_000;
/** The most rooms one `subscribe` or `unsubscribe` frame may name; clients split longer lists. */
export const MAX_ROOMS_PER_FRAME = 500;

// Client → server frames.

export const SubscribeFrame = z.object({
  type: z.literal('subscribe'),
  rooms: z
    .array(z.object({ roomId: z.uuid(), sinceSeq: z.number().int().nonnegative() }))
    .min(1)
    .max(MAX_ROOMS_PER_FRAME),
});
export const UnsubscribeFrame = z.object({ type: z.literal('unsubscribe'), roomIds: z.array(z.uuid()).min(1).max(MAX_ROOMS_PER_FRAME) });
/** A message: `body` for an open room, `envelope` for a private one. */
export const SendFrame = z.union([
  z.object({ type: z.literal('send'), roomId: z.uuid(), clientMsgId: z.uuid(), body: MessageBody, relatesTo: RelatesTo.optional() }).strict(),
  z.object({ type: z.literal('send'), roomId: z.uuid(), clientMsgId: z.uuid(), envelope: Envelope, relatesTo: RelatesTo.optional() }).strict(),
]);
export const TypingFrame = z.object({ type: z.literal('typing'), roomId: z.uuid(), state: z.enum(['start', 'stop']) });

/**
 * A fresh access token of the same user and device, sent before the socket's token expires: the
 * socket then lives until the new token's expiry instead of closing with `tokenExpired` (4002).
 */
export const ReauthFrame = z.object({ type: z.literal('reauth'), accessToken: z.string().min(1).max(4096) }).strict();

/** Everything a client may send; anything else is answered with an `invalid_request` error frame. */
export const ClientFrame = z.union([SubscribeFrame, UnsubscribeFrame, SendFrame, TypingFrame, ReauthFrame]);
export type ClientFrame = z.infer<typeof ClientFrame>;

// Server → client frames.

export const ReadyFrame = z.object({
  type: z.literal('ready'),
  user: UserRef,
  deviceId: z.uuid(),
  connectionId: z.string(),
});
/** Answers one room of a subscribe: after it come live events. `recovered: false` means the gap since
 * `sinceSeq` was larger than the backfill limit: page history over REST up to `headSeq`. */
export const SubscribedFrame = z.object({
  type: z.literal('subscribed'),
  roomId: z.uuid(),
  headSeq: z.number().int().nonnegative(),
  recovered: z.boolean(),
});
export const UnsubscribedFrame = z.object({
  type: z.literal('unsubscribed'),
  roomId: z.uuid(),
  /** Why the server ended the subscription: asked for, or the user is no longer a member. */
  reason: z.enum(['requested', 'removed']),
});
export const EventFrame = z.object({ type: z.literal('event'), event: RoomEvent });
/** Several events coalesced into one frame under load; clients treat it as the events in order. */
export const BatchFrame = z.object({ type: z.literal('batch'), events: z.array(RoomEvent) });
export const AckFrame = z.object({
  type: z.literal('ack'),
  roomId: z.uuid(),
  clientMsgId: z.uuid(),
  id: z.uuid(),
  seq: z.number().int().positive(),
  /** True when this clientMsgId was stored before: the send was a repeat, and nothing new was stored. */
  duplicate: z.boolean().optional(),
});
export const TypingEventFrame = z.object({
  type: z.literal('typing'),
  roomId: z.uuid(),
  user: UserRef,
  state: z.enum(['start', 'stop']),
  /** For `start`: how long to show it unless refreshed. */
  ttlMs: z.number().int().nonnegative(),
});
export const PresenceFrame = z.object({
  type: z.literal('presence'),
  user: UserRef,
  status: z.enum(['online', 'offline']),
  lastSeenAt: z.iso.datetime().nullable(),
});
/** New chain shares wait in this device's queue: fetch them over REST. */
export const SharesFrame = z.object({ type: z.literal('shares') });
/** Someone added this user to a room (a direct message): fetch the room list again. */
export const RoomsFrame = z.object({ type: z.literal('rooms') });
/** The user's read marker in a room moved (on this or another of their devices): the highest seq read. */
export const ReadFrame = z.object({ type: z.literal('read'), roomId: z.uuid(), seq: z.number().int().nonnegative() });
/**
 * A device just signed in to this user's account for the first time: its id, name, when (ISO date,
 * server clock) and from where (the client address the server saw; null where unknown). The
 * announcement of issue 14: the account's other devices tell their user, who approves it if it is
 * theirs and revokes it if not.
 */
export const DeviceAdded = z.object({
  deviceId: z.uuid(),
  name: z.string(),
  createdAt: z.iso.datetime(),
  from: z.string().nullable(),
});
export type DeviceAdded = z.infer<typeof DeviceAdded>;
/**
 * This user's devices changed (added, approved, revoked) or a device verification moved on: look
 * again over REST. `added` when the change is a new device.
 */
export const DevicesFrame = z.object({ type: z.literal('devices'), added: DeviceAdded.optional() });
/** Answers a `reauth`: the socket now lives until this (ISO date, server clock). */
export const ReauthedFrame = z.object({ type: z.literal('reauthed'), expiresAt: z.iso.datetime() });
export const ErrorFrame = z.object({
  type: z.literal('error'),
  code: ErrorCodeSchema,
  message: z.string(),
  /** The clientMsgId or roomId the error is about, when it is about one. */
  ref: z.string().optional(),
  /** Every room a `subscribe` was refused for (`forbidden`): one frame answers the whole subscribe. */
  roomIds: z.array(z.uuid()).max(MAX_ROOMS_PER_FRAME).optional(),
});

/** Everything a server may send. */
export const ServerFrame = z.discriminatedUnion('type', [
  ReadyFrame,
  SubscribedFrame,
  UnsubscribedFrame,
  EventFrame,
  BatchFrame,
  AckFrame,
  TypingEventFrame,
  PresenceFrame,
  SharesFrame,
  RoomsFrame,
  ReadFrame,
  DevicesFrame,
  ReauthedFrame,
  ErrorFrame,
]);
export type ServerFrame = z.infer<typeof ServerFrame>;
export type ReadyFrame = z.infer<typeof ReadyFrame>;
export type SubscribedFrame = z.infer<typeof SubscribedFrame>;
export type AckFrame = z.infer<typeof AckFrame>;
export type TypingEventFrame = z.infer<typeof TypingEventFrame>;
export type PresenceFrame = z.infer<typeof PresenceFrame>;
export type ErrorFrame = z.infer<typeof ErrorFrame>;
export type ReadFrame = z.infer<typeof ReadFrame>;
