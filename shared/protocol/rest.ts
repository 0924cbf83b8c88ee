import { z } from 'zod';
import { Envelope } from './e2e.js';
import { RoomEvent, UserRef } from './events.js';
import { MessageBody, Password, RoomName, Topic, Username } from './names.js';
import { RelatesTo } from './relations.js';
import { TextField } from './text-field.js';

/** The REST API's path prefix. */
export const API_PREFIX = '/api/v1';

/** Characters that show nothing (zero-width space and joiners, bidi marks, variation selectors…). */
const INVISIBLE_OR_SPACE = /[\p{Cf}\p{Default_Ignorable_Code_Point}\s]/gu;
/**
 * What a device is called ("laptop"): one line of 1 to 64 characters (trimmed) with something visible
 * in it; refused with a plain message (`a device name cannot be empty`) when blank or only invisible.
 */
export const DeviceName = TextField()
  .trim()
  .min(1, 'a device name cannot be empty')
  .max(64, 'a device name has at most 64 characters')
  .refine((s) => s === '' || s.replace(INVISIBLE_OR_SPACE, '') !== '', 'a device name cannot be empty');

export const RegisterRequest = z.object({
  username: Username,
  password: Password,
  deviceName: DeviceName.optional(),
});
export type RegisterRequest = z.infer<typeof RegisterRequest>;

/**
 * `POST /auth/device-challenge`: asks for a one-time challenge (valid DEVICE_CHALLENGE_TTL_MS) with
 * which an existing device proves, at sign-in, that it holds its own signing key (`LoginRequest.resume`).
 */
export const DeviceChallengeRequest = z.object({ deviceId: z.uuid() });
export type DeviceChallengeRequest = z.infer<typeof DeviceChallengeRequest>;
export const DeviceChallenge = z.object({ challenge: z.string(), expiresAt: z.iso.datetime() });
export type DeviceChallenge = z.infer<typeof DeviceChallenge>;
/** How long (ms) a device challenge can be used: once, and within this. */
export const DEVICE_CHALLENGE_TTL_MS = 60_000;

/**
 * Signing in again on a device the user already has (after a plain sign-out): the device id, the
 * challenge the server issued for it, and the device's signature of it (shared/crypto/device-proof.ts).
 */
export const ResumeDevice = z.object({
  deviceId: z.uuid(),
  challenge: z.string().min(16).max(128),
  signature: z.string().min(16).max(256),
});
export type ResumeDevice = z.infer<typeof ResumeDevice>;

export const LoginRequest = z.object({
  username: TextField().min(1, 'give a username').max(64, 'a username has at most 64 characters'),
  password: z.string().min(1, 'give a password').max(1024, 'a password has at most 1024 characters'),
  deviceName: DeviceName.optional(),
  /** Resume this existing device instead of adding a new one; refused unless the proof verifies. */
  resume: ResumeDevice.optional(),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

/**
 * How long (ms) a client waits for the answer to `POST /auth/refresh` before it calls the answer lost
 * (whatever timeout it uses for other requests).
 */
export const REFRESH_ANSWER_TIMEOUT_MS = 15_000;
/**
 * How many times a client asks again, at once and with the same refresh token, when a refresh's answer
 * was lost (a timeout or a reset, not a refused connection): the server may have rotated the token.
 */
export const REFRESH_LOST_ANSWER_RETRIES = 2;
/**
 * How long (ms) after a refresh token was spent the server still answers it with the pair it was
 * exchanged for (a lost answer asked again, two tabs refreshing together): 90 s, twice the longest a
 * client waits for one refresh (REFRESH_ANSWER_TIMEOUT_MS for the first try and each retry), so an
 * answer lost to a stalled server is asked again inside it. Presenting the token after this is reuse:
 * the server revokes the session.
 */
export const REFRESH_REUSE_GRACE_MS = 2 * (1 + REFRESH_LOST_ANSWER_RETRIES) * REFRESH_ANSWER_TIMEOUT_MS;
export const RefreshRequest = z.object({ refreshToken: z.string().min(16).max(256) });

/**
 * Browsers ask with this header (`x-chat-session: cookie`) to keep the refresh token in an HttpOnly,
 * Secure, SameSite=Strict cookie instead of the body: sign-in answers carry an empty refreshToken, and
 * refresh and logout read the cookie.
 */
export const COOKIE_SESSION_HEADER = 'x-chat-session';
export const REFRESH_COOKIE = 'chat_refresh';
export type RefreshRequest = z.infer<typeof RefreshRequest>;

export const LogoutRequest = RefreshRequest;
export type LogoutRequest = z.infer<typeof LogoutRequest>;

/** A pair of tokens: a short-lived JWT for requests and an opaque, single-use refresh token. */
export const TokenPair = z.object({
  accessToken: z.string(),
  /** When the access token expires, as an ISO date. */
  accessExpiresAt: z.iso.datetime(),
  refreshToken: z.string(),
  /**
   * The server's clock when it answered, as an ISO date: clients learn their clock's offset from it
   * and decide expiry on the server's clock, not their own.
   */
  serverTime: z.iso.datetime().optional(),
});
export type TokenPair = z.infer<typeof TokenPair>;

/**
 * What `POST /auth/session` answers a browser: the cookie's session with new tokens (as a refresh
 * would, the refresh token kept in the cookie), or `signedIn: false` when there is no cookie or its
 * session has ended, so a signed-out page asks without an error status.
 */
export const CookieSessionAnswer = z.discriminatedUnion('signedIn', [
  z.object({ signedIn: z.literal(false) }),
  z.object({ signedIn: z.literal(true), tokens: TokenPair }),
]);
export type CookieSessionAnswer = z.infer<typeof CookieSessionAnswer>;

export const Device = z.object({
  id: z.uuid(),
  name: z.string(),
  createdAt: z.iso.datetime(),
  /** True when the sign-in resumed an existing device (its keys and approval stay), absent for a new one. */
  resumed: z.boolean().optional(),
});
export type Device = z.infer<typeof Device>;

/**
 * One of the caller's own devices with where and when it was used (`GET /keys/devices`; only the
 * account itself sees this). Addresses are client IPs as the server saw them (through its
 * trust-proxy setting), null where unknown; `lastSeenAt` is accurate to a few minutes.
 */
export const DeviceActivity = z.object({
  deviceId: z.uuid(),
  name: z.string(),
  createdAt: z.iso.datetime(),
  /** Where its first sign-in came from. */
  addedFrom: z.string().nullable(),
  /** When and from where it last signed in (its first sign-in, or a later one that resumed it). */
  signedInAt: z.iso.datetime().nullable(),
  signedInFrom: z.string().nullable(),
  lastSeenAt: z.iso.datetime().nullable(),
});
export type DeviceActivity = z.infer<typeof DeviceActivity>;
export const DeviceActivityList = z.object({ devices: z.array(DeviceActivity) });

/** What register and login answer: who you are, which device this is, and its tokens. */
export const Session = z.object({ user: UserRef, device: Device, tokens: TokenPair });
export type Session = z.infer<typeof Session>;

export const WsTicket = z.object({ ticket: z.string(), expiresAt: z.iso.datetime() });
export type WsTicket = z.infer<typeof WsTicket>;

export const RoomVisibility = z.enum(['open', 'private']);
export type RoomVisibility = z.infer<typeof RoomVisibility>;

export const MemberRole = z.enum(['owner', 'member']);
export type MemberRole = z.infer<typeof MemberRole>;

export const CreateRoomRequest = z.object({
  name: RoomName,
  topic: Topic.optional(),
  visibility: RoomVisibility.default('open'),
});
export type CreateRoomRequest = z.input<typeof CreateRoomRequest>;

export const Room = z.object({
  id: z.uuid(),
  name: z.string(),
  topic: z.string(),
  visibility: RoomVisibility,
  /** The seq of the room's newest event. */
  headSeq: z.number().int().nonnegative(),
  memberCount: z.number().int().nonnegative(),
  createdAt: z.iso.datetime(),
  /** The caller's role, or null when the caller is not a member. */
  role: MemberRole.nullable(),
  /** The caller's read marker in the room (the highest seq read, on any of their devices); absent outside the caller's room list. */
  readSeq: z.number().int().nonnegative().optional(),
});
export type Room = z.infer<typeof Room>;

export const RoomList = z.object({ rooms: z.array(Room) });
export type RoomList = z.infer<typeof RoomList>;

/** GET /rooms/directory: a page of open rooms in name order, optionally only those matching `q`. */
export const DirectoryQuery = z.object({
  /** Text the room's name or topic contains, case-insensitive. */
  q: z.string().trim().max(100).optional(),
  /** The last name of the previous page (its `next`). */
  after: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type DirectoryQuery = z.input<typeof DirectoryQuery>;

/**
 * A page of the directory. `next` is the `after` of the following page, null on the last one.
 * `similar`, only with `q`: open rooms whose names are close to `q` (a typo of it), so a client can
 * offer them before offering to create a new room.
 */
export const DirectoryPage = z.object({ rooms: z.array(Room), next: z.string().nullable(), similar: z.array(Room) });
export type DirectoryPage = z.infer<typeof DirectoryPage>;

/** PUT /rooms/:room/topic: the owner sets the topic (empty clears it). */
export const SetTopicRequest = z.object({ topic: Topic });
export type SetTopicRequest = z.infer<typeof SetTopicRequest>;

/** GET /rooms/:room: one room, by id or name. */
export const RoomAnswer = z.object({ room: Room });
export type RoomAnswer = z.infer<typeof RoomAnswer>;

/** POST /rooms (201): the new room and its creator's join event. */
export const CreateRoomResult = z.object({ room: Room, event: RoomEvent });
export type CreateRoomResult = z.infer<typeof CreateRoomResult>;

/** GET /me: whom the access token belongs to, and which device. */
export const Me = z.object({ user: UserRef, deviceId: z.uuid() });
export type Me = z.infer<typeof Me>;

export const Member = z.object({
  user: UserRef,
  role: MemberRole,
  joinedAt: z.iso.datetime(),
  online: z.boolean(),
  lastSeenAt: z.iso.datetime().nullable(),
});
export type Member = z.infer<typeof Member>;

export const MemberList = z.object({ members: z.array(Member) });
export type MemberList = z.infer<typeof MemberList>;

/** A membership change answers with the room and the event it committed (null when nothing changed). */
export const MembershipResult = z.object({ room: Room, event: RoomEvent.nullable() });
export type MembershipResult = z.infer<typeof MembershipResult>;

/**
 * Text for an open room, or an encrypted envelope for a private one; with `relatesTo`, an edit, a
 * reaction or a reply to an earlier message of the room.
 */
export const SendMessageRequest = z.union([
  z.object({ clientMsgId: z.uuid(), body: MessageBody, relatesTo: RelatesTo.optional() }).strict(),
  z.object({ clientMsgId: z.uuid(), envelope: Envelope, relatesTo: RelatesTo.optional() }).strict(),
]);
export type SendMessageRequest = z.infer<typeof SendMessageRequest>;

/** The acknowledgement of a committed message; `duplicate` when this clientMsgId was already stored. */
export const SendMessageResult = z.object({
  id: z.uuid(),
  seq: z.number().int().positive(),
  duplicate: z.boolean(),
});
export type SendMessageResult = z.infer<typeof SendMessageResult>;

const SeqParam = z.coerce.number().int().nonnegative();

/**
 * History paging: `before` gives the newest `limit` events older than that seq (the default is the
 * newest events); `after` gives the oldest `limit` events newer than that seq. Never both.
 */
export const HistoryQuery = z
  .object({
    before: SeqParam.optional(),
    after: SeqParam.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .refine((q) => q.before === undefined || q.after === undefined, 'use either before or after, not both');
export type HistoryQuery = z.infer<typeof HistoryQuery>;

/** A page of events in ascending seq. */
export const HistoryPage = z.object({
  events: z.array(RoomEvent),
  headSeq: z.number().int().nonnegative(),
  /** Whether there are more events beyond this page in the direction asked. */
  hasMore: z.boolean(),
});
export type HistoryPage = z.infer<typeof HistoryPage>;

export const Health = z.object({ status: z.enum(['ok', 'unavailable']) });

/** An invite link: expiry (default 24 h, at most 30 days) and uses (default 1). */
export const CreateInviteRequest = z.object({
  expiresInSeconds: z.number().int().min(60).max(30 * 24 * 3600).default(24 * 3600),
  maxUses: z.number().int().min(1).max(1000).default(1),
});
export type CreateInviteRequest = z.input<typeof CreateInviteRequest>;

export const Invite = z.object({
  id: z.uuid(),
  roomId: z.uuid(),
  createdBy: z.uuid(),
  expiresAt: z.iso.datetime(),
  maxUses: z.number().int(),
  uses: z.number().int(),
  revokedAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
});
export type Invite = z.infer<typeof Invite>;

/** The token is shown once, here; the server keeps only its hash. */
export const InviteCreated = z.object({ invite: Invite, token: z.string(), url: z.string() });
export type InviteCreated = z.infer<typeof InviteCreated>;
export const InviteList = z.object({ invites: z.array(Invite) });

export const KickRequest = z.object({ username: TextField().min(1).max(64) });
export const DirectMessageRequest = z.object({ username: TextField().min(1).max(64) });
export const DirectMessageResult = z.object({ room: Room, created: z.boolean() });
export type DirectMessageResult = z.infer<typeof DirectMessageResult>;
