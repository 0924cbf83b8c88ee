import type { DeviceBundle, Envelope, MemberRole, RoomEvent, RoomVisibility, SealedShare, SearchHit, VerificationState } from '../../shared/protocol/index.js';

/** A stored account. */
export interface UserRecord {
  readonly id: string;
  readonly username: string;
  readonly passwordHash: string;
  readonly createdAt: Date;
  readonly lastSeenAt: Date | null;
}

/** A session to open with a new device: its id (also the refresh-token family) and its first refresh token. */
export interface NewSession {
  readonly id: string;
  readonly refreshToken: { readonly tokenHash: string; readonly expiresAt: Date };
}

export interface DeviceRecord {
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

/**
 * One of an account's devices with where and when it was used: `addedFrom` and `signedInFrom` are the
 * client addresses (IP, as the server saw it through its trust-proxy setting) of its first and latest
 * sign-in, null where unknown (devices from before this was recorded); `lastSeenAt` is written at most
 * once per few minutes (server/services/device-activity.ts).
 */
export interface AccountDeviceRecord {
  readonly deviceId: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly addedFrom: string | null;
  readonly signedInAt: Date | null;
  readonly signedInFrom: string | null;
  readonly lastSeenAt: Date | null;
}

/** A new device: its id, name and the address its sign-in came from (null where unknown). */
export interface NewDevice {
  readonly id: string;
  readonly name: string;
  readonly from?: string | null;
}

export interface RefreshTokenRecord {
  readonly tokenHash: string;
  readonly familyId: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly expiresAt: Date;
  readonly usedAt: Date | null;
  readonly revokedAt: Date | null;
}

/** A device sign-in (a refresh-token family shares its id). */
export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  readonly deviceId: string;
  /** When the session, or its device, was revoked; null while it is live. */
  readonly revokedAt: Date | null;
}

/** A refresh that spends one token and issues the next, with the sealed pair kept for the grace window. */
export interface RefreshRotation {
  readonly spentHash: string;
  readonly at: Date;
  readonly next: Omit<RefreshTokenRecord, 'usedAt' | 'revokedAt'>;
  /** The new pair, sealed under a key derived from the spent token (opaque to the store). */
  readonly sealedSuccessor: string;
  readonly successorExpiresAt: Date;
}

export interface RoomRecord {
  readonly id: string;
  readonly name: string;
  readonly topic: string;
  readonly visibility: RoomVisibility;
  readonly ownerId: string;
  readonly headSeq: number;
  readonly memberCount: number;
  readonly createdAt: Date;
  /**
   * Whether the room is a direct message (the server keeps a pair key for it): exactly its two people,
   * neither of whom owns it, whatever role an older server stored for the one who opened it.
   */
  readonly direct: boolean;
}

export interface MemberRecord {
  readonly roomId: string;
  readonly userId: string;
  readonly username: string;
  readonly role: MemberRole;
  readonly joinedAt: Date;
  readonly lastSeenAt: Date | null;
}

/** A room as its member sees it. */
export interface MemberRoomRecord extends RoomRecord {
  readonly role: MemberRole;
}

export interface NewRoom {
  readonly id: string;
  readonly name: string;
  readonly topic: string;
  readonly visibility: RoomVisibility;
  readonly ownerId: string;
  /** The id of the owner's join event. */
  readonly joinEventId: string;
  /** For a direct-message room: the pair's key, unique. Its opener is then stored as a `member`, not `owner`. */
  readonly dmKey?: string;
}

export interface InviteRecord {
  readonly id: string;
  readonly roomId: string;
  readonly createdBy: string;
  readonly expiresAt: Date;
  readonly maxUses: number;
  readonly uses: number;
  readonly revokedAt: Date | null;
  readonly createdAt: Date;
}

/** A device verification as the server relays it (the state's shape is the wire's). */
export interface VerificationRecord {
  readonly id: string;
  readonly userId: string;
  readonly newDevice: string;
  readonly state: VerificationState;
  readonly createdAt: Date;
}

/** A published device and its signed bundle. */
export interface DirectoryDeviceRecord {
  readonly deviceId: string;
  readonly userId: string;
  readonly name: string;
  readonly bundle: DeviceBundle;
  /** The device's signature by its user's identity key (cross-signing), if it has one. */
  readonly crossSignature: string | null;
  /** The user's identity key, if the user has one yet. */
  readonly identityKey: string | null;
  readonly createdAt: Date;
}

export interface ReshareRequestRecord {
  readonly id: string;
  readonly roomId: string;
  readonly requesterUser: string;
  readonly requesterDevice: string;
  readonly senderDevice: string;
  readonly keyId: string;
  readonly createdAt: Date;
}

export interface ShareRecord {
  readonly id: string;
  readonly recipientDevice: string;
  readonly roomId: string;
  readonly senderDevice: string;
  readonly share: SealedShare;
  readonly createdAt: Date;
}

/** A user's current key backup: its version, key check, entry count and last change. */
export interface KeyBackupRecord {
  readonly version: number;
  readonly keyCheck: string;
  readonly entries: number;
  readonly updatedAt: Date;
}

/** One sealed entry of a key backup, with its place in upload order (`id`, for paging). */
export interface KeyBackupEntryRecord {
  readonly id: string;
  readonly kind: 'identity' | 'chain';
  readonly entryKey: string;
  readonly roomId: string | null;
  readonly firstCounter: number;
  readonly iv: string;
  readonly ct: string;
}

export interface NewMessage {
  readonly id: string;
  readonly roomId: string;
  readonly sender: { readonly id: string; readonly username: string };
  readonly clientMsgId: string;
  /** Open rooms carry text, private rooms an envelope; exactly one is set. */
  readonly body: string | null;
  readonly envelope: Envelope | null;
}

/** An edit, reaction or reply: a message with a relation to an earlier message (see shared/protocol/relations.ts). */
export interface NewRelation extends NewMessage {
  readonly relation: { readonly type: 'edit' | 'reaction' | 'reply'; readonly eventId: string };
}

/** A delete of the message (or edit, reaction, reply) at `targetSeq`, by its author or the room's owner. */
export interface NewDeletion {
  /** The id of the delete event to commit. */
  readonly id: string;
  readonly roomId: string;
  readonly targetSeq: number;
  readonly by: { readonly id: string; readonly username: string };
}

/** Which events to read: `afterSeq` reads upward from there, `beforeSeq` reads the newest below it. */
export interface EventRange {
  readonly afterSeq?: number;
  readonly beforeSeq?: number;
  readonly limit: number;
}

/** A full-text search over open rooms' messages, already limited to rooms the caller may read. */
export interface MessageSearch {
  /** Web-search syntax: words, "phrases", or, -exclusions. */
  readonly query: string;
  readonly roomIds: readonly string[];
  readonly senderId?: string;
  readonly since?: Date;
  readonly until?: Date;
  readonly limit: number;
  readonly offset: number;
  /**
   * Past this many milliseconds the database cancels the search and the store throws ChatError
   * `unavailable`. Only where the database can interrupt a query (PostgreSQL servers, not PGlite).
   */
  readonly timeoutMs?: number;
}

/** Why a write did nothing; the services turn these into domain errors. */
export type StoreConflict =
  | 'username_taken'
  | 'room_exists'
  | 'already_member'
  | 'not_member'
  | 'invite_unknown'
  | 'invite_expired'
  | 'invite_revoked'
  | 'invite_used_up'
  | 'invite_removed'
  | 'wrong_payload'
  /** A private message whose (sender device, keyId, counter) another envelope already took: a copy of the device reusing a message key. */
  | 'key_reused'
  /** A message to a direct message whose other person is no longer in it (they would never read it). */
  | 'peer_left'
  | 'target_missing'
  | 'target_other_room'
  | 'target_deleted'
  | 'target_not_message'
  | 'not_author'
  | 'already_reacted'
  | 'reaction_limit'
  /** The sender's clientMsgId is stored already, with another relation (or none where this has one). */
  | 'client_msg_id_reused'
  /** An invite names a direct message, which nobody joins but its two people. */
  | 'direct_message';

/**
 * A store write's outcome: the value, or why it was refused. A refused relation names its target's
 * `targetSeq` when the target is a message of the same room (so errors speak in seqs, not event ids).
 */
export type StoreResult<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      readonly conflict: StoreConflict;
      readonly targetSeq?: number;
      /** With `username_taken`: the existing username the new one is only alike (the same usernameSkeleton), not equal to. */
      readonly similarTo?: string;
    };

/**
 * Everything the server keeps. One contract suite (store.contract.ts) runs against every
 * implementation; the services see only this interface.
 */
/** Which open rooms `Store.listOpenRooms` lists. */
export interface OpenRoomQuery {
  /** The most rooms answered. */
  readonly limit: number;
  /** Only rooms whose name sorts after this one. */
  readonly after?: string;
  /** Only rooms whose name or topic contains this text, case-insensitive. */
  readonly contains?: string;
  /** Only rooms whose name starts with this text. */
  readonly prefix?: string;
}

/** A member's removal from a room: the `remove` event's seq, who removed them (the owner then), and when. */
export interface RemovalRecord {
  readonly seq: number;
  readonly by: { readonly id: string; readonly username: string };
  readonly at: Date;
}

/** One user's question to `membershipsOfMany`: which of these rooms they are a member of. */
export interface MembershipAsk {
  readonly userId: string;
  readonly roomIds: readonly string[];
}

export interface Store {
  /** Whether the store answers (for /readyz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;

  /**
   * A new account, its first device and that device's session with its first refresh token, in one
   * transaction: either all exist afterwards or none does (a device or token that cannot be stored
   * leaves the username free). `username_taken` when the name is taken, whatever its case, or when an
   * account holds its usernameSkeleton (shared/protocol/names.ts; then `similarTo` names that account).
   */
  createUserWithDevice(
    user: { id: string; username: string; passwordHash: string },
    device: NewDevice,
    session: NewSession,
  ): Promise<StoreResult<{ user: UserRecord; device: DeviceRecord }>>;
  /** A sign-in of an existing user: a new device, its session and first refresh token, in one transaction. */
  createDeviceWithSession(device: NewDevice & { userId: string }, session: NewSession): Promise<DeviceRecord>;
  /**
   * A sign-in of an existing user on one of their existing, unrevoked devices (the caller proved it
   * holds the device's key): a new session and first refresh token for it, and the device's latest
   * sign-in time and address, in one transaction. Resolves to the device, or null (nothing stored)
   * when the device is not the user's or was revoked.
   */
  resumeDeviceSession(device: { id: string; userId: string; from: string | null }, session: NewSession, at: Date): Promise<DeviceRecord | null>;
  /**
   * Records when devices were last seen, in one statement; a device whose stored time is less than
   * `minIntervalMs` older than the new one is left alone (so instances do not write it over and over).
   */
  touchDevicesLastSeen(seen: readonly { deviceId: string; at: Date }[], minIntervalMs: number): Promise<void>;
  /** The user's unrevoked devices (published keys or not), oldest first, with where and when each was used. */
  listAccountDevices(userId: string): Promise<AccountDeviceRecord[]>;
  /** Case-insensitive. */
  findUserByUsername(username: string): Promise<UserRecord | null>;
  findUserById(id: string): Promise<UserRecord | null>;
  touchUserLastSeen(userId: string, at: Date): Promise<void>;

  findDevice(id: string): Promise<DeviceRecord | null>;

  insertRefreshToken(token: Omit<RefreshTokenRecord, 'usedAt' | 'revokedAt'>): Promise<void>;
  findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | null>;
  /** Marks the token used if it was unused and unrevoked; false when another use came first. */
  consumeRefreshToken(tokenHash: string, at: Date): Promise<boolean>;
  /** Revokes every token of a family and the session it is, and forgets its sealed successors. */
  revokeTokenFamily(familyId: string, at: Date): Promise<void>;
  /**
   * Spends `spentHash` if it is unused and unrevoked and, in the same transaction, stores the next
   * token and the sealed successor; false (and nothing written) when another use came first. Sealed
   * successors past their expiry are deleted on the way.
   */
  rotateRefreshToken(rotation: RefreshRotation): Promise<boolean>;
  /** The sealed successor of a spent token while it has not expired at `at`; null otherwise. */
  findRefreshSuccessor(spentHash: string, at: Date): Promise<string | null>;

  /** Starts a session (a device sign-in); its id is the refresh-token family's. */
  createSession(session: { id: string; userId: string; deviceId: string }): Promise<void>;
  /** The session with the device's revocation folded in; null when unknown. */
  findSession(id: string): Promise<SessionRecord | null>;
  /** `findSession` for many at once, in one read: the sessions found, in no particular order. */
  findSessions(ids: readonly string[]): Promise<SessionRecord[]>;

  /** Creates the room with its owner as first member and the owner's join as seq 1. */
  createRoom(room: NewRoom): Promise<StoreResult<{ room: RoomRecord; event: RoomEvent }>>;
  findRoomById(id: string): Promise<RoomRecord | null>;
  /** Exact match on the (lower-case) name. */
  findRoomByName(name: string): Promise<RoomRecord | null>;
  listRoomsOfUser(userId: string): Promise<MemberRoomRecord[]>;
  /**
   * The ids of the rooms each of `userIds` is a member of, in one query however many users: every user
   * asked about is a key (an empty array when in no room, or unknown), in no particular room order.
   * The presence announcements of the users who come online (or go offline) in one turn of the event
   * loop are read this way, so a reconnect storm of single-socket users costs a few reads, not one each.
   */
  roomIdsOfUsers(userIds: readonly string[]): Promise<Map<string, string[]>>;
  /**
   * Open rooms in name order: at most `limit`, after the name `after` (keyset paging), those whose
   * name or topic contains `contains` (case-insensitive, taken literally), or whose name starts with
   * `prefix`.
   */
  listOpenRooms(query: OpenRoomQuery): Promise<RoomRecord[]>;
  /** Sets the room's topic; the room as it is now, or null when there is no such room. */
  setRoomTopic(roomId: string, topic: string): Promise<RoomRecord | null>;

  getMembership(roomId: string, userId: string): Promise<MemberRecord | null>;
  /**
   * Of `roomIds`, the rooms the user is a member of, each with the room's head seq read in the same
   * snapshot: one query however many rooms (a subscribe's check). Unknown rooms are simply absent.
   */
  membershipsOf(userId: string, roomIds: readonly string[]): Promise<Map<string, number>>;
  /**
   * `membershipsOf` for several users at once, in one query: one map (room id → head seq) per ask, in
   * the asks' order. The subscribes that arrive in one turn of the event loop are checked this way, so a
   * reconnect storm costs a few membership reads instead of one per socket.
   */
  membershipsOfMany(asks: readonly MembershipAsk[]): Promise<Map<string, number>[]>;
  listMembers(roomId: string): Promise<MemberRecord[]>;
  /** Adds the member and commits the join event in one transaction. */
  addMember(m: { roomId: string; userId: string; role: MemberRole; eventId: string }): Promise<StoreResult<RoomEvent>>;
  /**
   * Removes the member and commits the event in one transaction: a `leave`, or with `by` (another
   * user, the owner) a `remove` with the member as target.
   */
  removeMember(m: { roomId: string; userId: string; eventId: string; by?: string }): Promise<StoreResult<RoomEvent>>;
  /**
   * Who removed the user from the room and when, if the user's last membership change in the room was
   * a removal by another member (the owner); null when they were never removed, or joined or left on
   * their own since. For telling a removed member why a room is closed to them.
   */
  findRemoval(roomId: string, userId: string): Promise<RemovalRecord | null>;
  findDmRoom(dmKey: string): Promise<RoomRecord | null>;
  /** The two user ids of a direct message (its pair key), or null when the room is not one. */
  directMessagePair(roomId: string): Promise<readonly [string, string] | null>;

  createInvite(invite: { id: string; roomId: string; tokenHash: string; createdBy: string; expiresAt: Date; maxUses: number }): Promise<InviteRecord>;
  listInvites(roomId: string): Promise<InviteRecord[]>;
  /** False when there is no such live invite in the room. */
  revokeInvite(roomId: string, inviteId: string, at: Date): Promise<boolean>;
  /**
   * Redeems an invite atomically: of many concurrent redemptions of an invite with N uses, exactly N
   * succeed. A user who is already a member gets the room without using up a use. A user the owner
   * removed from the room after the invite was made gets `invite_removed`. An invite into a direct
   * message (made by an older server) lets nobody in: `direct_message`.
   */
  redeemInvite(r: { tokenHash: string; userId: string; eventId: string; now: Date }): Promise<StoreResult<{ roomId: string; event: RoomEvent | null }>>;

  /**
   * Revokes one of a user's devices, its sessions and every refresh token it holds; false if it is not
   * theirs or already revoked.
   */
  revokeDevice(userId: string, deviceId: string, at: Date): Promise<boolean>;

  /**
   * Revokes every device of a user, published or not, with all their sessions and refresh tokens
   * (sign out everywhere). Answers the ids of the user's devices, those revoked before included, so
   * that their sockets can be closed on every instance.
   */
  revokeAllDevices(userId: string, at: Date): Promise<string[]>;
  /**
   * Sets the user's identity key and the calling device's signature by it, if the user has no
   * identity key yet (or already this one, or `replace` is true); false when the user has another.
   */
  setUserIdentity(userId: string, identityKey: string, deviceId: string, signature: string, replace?: boolean): Promise<boolean>;
  /** The user's identity key; null when the user has none yet (or does not exist). */
  getUserIdentity(userId: string): Promise<string | null>;
  /** Stores a device's cross-signature (the caller checked it against the identity key). */
  setDeviceSignature(deviceId: string, signature: string): Promise<void>;
  /**
   * Starts a device verification (short authentication string exchange), in one transaction with
   * cancelling (step `cancelled`, `reason` `replacedReason`, no `cancelledBy`) every open one of the
   * same new device, expired or not: a device has one open request at most, the newest, even when it
   * sends several at the same moment (a unique index keeps it, migration 016). Throws ChatError
   * `conflict` when other requests of the device kept winning the race.
   */
  createVerification(v: VerificationRecord, replacedReason: string): Promise<void>;
  /** A verification by id; null when unknown. */
  findVerification(id: string): Promise<VerificationRecord | null>;
  /** A user's verifications created after `since`, newest first, at most `limit`. */
  listVerifications(userId: string, since: Date, limit: number): Promise<VerificationRecord[]>;
  /**
   * Every open verification of a user (step neither `done` nor `cancelled`) created after `since`,
   * newest first, without a limit: the service caps how many may be open per account.
   */
  listOpenVerifications(userId: string, since: Date): Promise<VerificationRecord[]>;
  /** Replaces a verification's state if it is still `prev`; false when another write came first. */
  advanceVerification(id: string, prev: VerificationState, next: VerificationState): Promise<boolean>;
  /** Publishes (or replaces) a device's signed key bundle. */
  setDeviceBundle(deviceId: string, bundle: DeviceBundle): Promise<void>;
  /** The unrevoked devices with published bundles of these users. */
  listDevicesOfUsers(userIds: readonly string[]): Promise<DirectoryDeviceRecord[]>;
  enqueueShares(shares: readonly Omit<ShareRecord, 'createdAt'>[]): Promise<void>;
  listShares(deviceId: string, limit: number): Promise<ShareRecord[]>;
  ackShares(deviceId: string, ids: readonly string[]): Promise<void>;
  /** Queues a request for the sender device to share a chain again; a repeat is ignored. */
  requestReshare(r: { id: string; roomId: string; requesterUser: string; requesterDevice: string; senderDevice: string; keyId: string }): Promise<void>;
  listReshareRequests(senderDevice: string, limit: number): Promise<ReshareRequestRecord[]>;
  ackReshareRequests(senderDevice: string, ids: readonly string[]): Promise<void>;

  /** The user's current key backup; null when they have none. */
  findKeyBackup(userId: string): Promise<KeyBackupRecord | null>;
  /**
   * Stores sealed entries for backup `version` under `keyCheck`: the current version (its key check
   * must match) or the next one (a rotation being written). An entry already stored under the same
   * version, kind and key is replaced only by one that reaches further back (a lower `firstCounter`),
   * by one under another key check, or when it is the identity key. False (nothing stored) when the
   * version is neither.
   */
  putKeyBackupEntries(userId: string, target: { version: number; keyCheck: string }, entries: readonly Omit<KeyBackupEntryRecord, 'id'>[]): Promise<boolean>;
  /**
   * Makes `next` the current backup if the current version is still `previousVersion` (null: none)
   * and `next.version` is the one after it, deleting every entry of another version or key check,
   * in one transaction. False (nothing changed) otherwise.
   */
  commitKeyBackup(userId: string, next: { version: number; keyCheck: string }, previousVersion: number | null): Promise<boolean>;
  /** The current backup's entries after position `after` (null: from the start), in upload order. */
  listKeyBackupEntries(userId: string, after: string | null, limit: number): Promise<KeyBackupEntryRecord[]>;

  /**
   * Commits messages, in order, in one transaction: each with its room's next seq, if the sender is
   * a member at that moment (checked under the room's lock, so a send is ordered against a concurrent
   * leave). A repeat of the sender's clientMsgId in the room answers the stored event with
   * `duplicate: true` and writes nothing, unless the stored event is a relation (edit, reaction,
   * reply): then the id was used for something else, `client_msg_id_reused`. A body in a private room or an envelope in an open one is
   * refused (`wrong_payload`). One result per message, in the same order. Throws if a room does not
   * exist (nothing is written then). Callers sort a batch by room id, so concurrent batches lock
   * rooms in the same order.
   */
  appendMessages(messages: readonly NewMessage[]): Promise<StoreResult<{ event: RoomEvent; duplicate: boolean }>[]>;
  /**
   * Commits an edit, reaction or reply at the room's next seq, checked under the room's lock: the sender
   * is a member (`not_member`), the payload fits the room (`wrong_payload`), the target exists
   * (`target_missing`), is in this room (`target_other_room`), is a message that is neither a relation
   * other than a reply nor deleted (`target_not_message`, `target_deleted`); an edit is by the target's
   * author (`not_author`); a reaction stays within MAX_REACTIONS_PER_USER and MAX_REACTIONS_PER_MESSAGE
   * (`reaction_limit`) and, in open rooms, is not the same emoji twice from one user (`already_reacted`).
   * An edit marks the target and its earlier edits superseded, so search reads the latest text. A repeated
   * clientMsgId answers the stored event with `duplicate: true` when it has the same relation (type and
   * target), and `client_msg_id_reused` when it has another or none. Throws if the room does not exist.
   */
  appendRelation(relation: NewRelation): Promise<StoreResult<{ event: RoomEvent; duplicate: boolean }>>;
  /**
   * Deletes a message, edit, reaction or reply for good: in one transaction under the room's lock, its
   * content and that of all its edits (body, and so the search entry, or envelope) is removed, the rows
   * are marked redacted, and a `delete` relation event is committed at the next seq. Only the author or
   * the room's owner, and in a direct message only the author (`not_author`), a member (`not_member`); `target_missing` when there is no such seq,
   * `target_not_message` for a membership or delete event, `target_deleted` when already deleted.
   * Answers the delete event and the ids of every event whose content was removed.
   */
  deleteMessage(deletion: NewDeletion): Promise<StoreResult<{ event: RoomEvent; purged: string[] }>>;
  /** Moves the user's read marker in the room up to `seq` (never back); answers the marker now stored. */
  setReadMarker(userId: string, roomId: string, seq: number): Promise<number>;
  /** Every read marker of the user, by room id. */
  listReadMarkers(userId: string): Promise<Map<string, number>>;
  /** Events in ascending seq. */
  listEvents(roomId: string, range: EventRange): Promise<RoomEvent[]>;
  headSeq(roomId: string): Promise<number>;
  /**
   * Messages matching the search, best first (then newest), each with a highlighted snippet. Ranking
   * may be limited to the newest matches (200 in SQL), so that a common word costs no more than a rare one.
   */
  searchMessages(search: MessageSearch): Promise<SearchHit[]>;
}

