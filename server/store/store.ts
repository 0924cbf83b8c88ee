import type { DeviceBundle, Envelope, MemberRole, RoomEvent, RoomVisibility, SealedShare, SearchHit } from '../../shared/protocol/index.js';

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
  /** For a direct-message room: the pair's key, unique. */
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

/** A published device and its signed bundle. */
export interface DirectoryDeviceRecord {
  readonly deviceId: string;
  readonly userId: string;
  readonly name: string;
  readonly bundle: DeviceBundle;
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

export interface NewMessage {
  readonly id: string;
  readonly roomId: string;
  readonly sender: { readonly id: string; readonly username: string };
  readonly clientMsgId: string;
  /** Open rooms carry text, private rooms an envelope; exactly one is set. */
  readonly body: string | null;
  readonly envelope: Envelope | null;
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
  | 'wrong_payload';

export type StoreResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly conflict: StoreConflict };

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

export interface Store {
  /** Whether the store answers (for /readyz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;

  /**
   * A new account, its first device and that device's session with its first refresh token, in one
   * transaction: either all exist afterwards or none does (a device or token that cannot be stored
   * leaves the username free). `username_taken` when the name is taken, whatever its case.
   */
  createUserWithDevice(
    user: { id: string; username: string; passwordHash: string },
    device: { id: string; name: string },
    session: NewSession,
  ): Promise<StoreResult<{ user: UserRecord; device: DeviceRecord }>>;
  /** A sign-in of an existing user: a new device, its session and first refresh token, in one transaction. */
  createDeviceWithSession(device: { id: string; userId: string; name: string }, session: NewSession): Promise<DeviceRecord>;
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
  listMembers(roomId: string): Promise<MemberRecord[]>;
  /** Adds the member and commits the join event in one transaction. */
  addMember(m: { roomId: string; userId: string; role: MemberRole; eventId: string }): Promise<StoreResult<RoomEvent>>;
  /**
   * Removes the member and commits the event in one transaction: a `leave`, or with `by` (another
   * user, the owner) a `remove` with the member as target.
   */
  removeMember(m: { roomId: string; userId: string; eventId: string; by?: string }): Promise<StoreResult<RoomEvent>>;
  findDmRoom(dmKey: string): Promise<RoomRecord | null>;

  createInvite(invite: { id: string; roomId: string; tokenHash: string; createdBy: string; expiresAt: Date; maxUses: number }): Promise<InviteRecord>;
  listInvites(roomId: string): Promise<InviteRecord[]>;
  /** False when there is no such live invite in the room. */
  revokeInvite(roomId: string, inviteId: string, at: Date): Promise<boolean>;
  /**
   * Redeems an invite atomically: of many concurrent redemptions of an invite with N uses, exactly N
   * succeed. A user who is already a member gets the room without using up a use. A user the owner
   * removed from the room after the invite was made gets `invite_removed`.
   */
  redeemInvite(r: { tokenHash: string; userId: string; eventId: string; now: Date }): Promise<StoreResult<{ roomId: string; event: RoomEvent | null }>>;

  /**
   * Revokes one of a user's devices, its sessions and every refresh token it holds; false if it is not
   * theirs or already revoked.
   */
  revokeDevice(userId: string, deviceId: string, at: Date): Promise<boolean>;
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

  /**
   * Commits messages, in order, in one transaction: each with its room's next seq, if the sender is
   * a member at that moment (checked under the room's lock, so a send is ordered against a concurrent
   * leave). A repeat of the sender's clientMsgId in the room answers the stored event with
   * `duplicate: true` and writes nothing. A body in a private room or an envelope in an open one is
   * refused (`wrong_payload`). One result per message, in the same order. Throws if a room does not
   * exist (nothing is written then). Callers sort a batch by room id, so concurrent batches lock
   * rooms in the same order.
   */
  appendMessages(messages: readonly NewMessage[]): Promise<StoreResult<{ event: RoomEvent; duplicate: boolean }>[]>;
  /** Events in ascending seq. */
  listEvents(roomId: string, range: EventRange): Promise<RoomEvent[]>;
  headSeq(roomId: string): Promise<number>;
  /**
   * Messages matching the search, best first (then newest), each with a highlighted snippet. Ranking
   * may be limited to the newest matches (200 in SQL), so that a common word costs no more than a rare one.
   */
  searchMessages(search: MessageSearch): Promise<SearchHit[]>;
}

