import type { MemberRole, RoomEvent, RoomVisibility } from '../../shared/protocol/index.js';

/** A stored account. */
export interface UserRecord {
  readonly id: string;
  readonly username: string;
  readonly passwordHash: string;
  readonly createdAt: Date;
  readonly lastSeenAt: Date | null;
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
}

export interface NewMessage {
  readonly id: string;
  readonly roomId: string;
  readonly sender: { readonly id: string; readonly username: string };
  readonly clientMsgId: string;
  readonly body: string;
}

/** Which events to read: `afterSeq` reads upward from there, `beforeSeq` reads the newest below it. */
export interface EventRange {
  readonly afterSeq?: number;
  readonly beforeSeq?: number;
  readonly limit: number;
}

/** Why a write did nothing; the services turn these into domain errors. */
export type StoreConflict = 'username_taken' | 'room_exists' | 'already_member' | 'not_member';

export type StoreResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly conflict: StoreConflict };

/**
 * Everything the server keeps. One contract suite (store.contract.ts) runs against every
 * implementation; the services see only this interface.
 */
export interface Store {
  /** Whether the store answers (for /readyz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;

  createUser(user: { id: string; username: string; passwordHash: string }): Promise<StoreResult<UserRecord>>;
  /** Case-insensitive. */
  findUserByUsername(username: string): Promise<UserRecord | null>;
  findUserById(id: string): Promise<UserRecord | null>;
  touchUserLastSeen(userId: string, at: Date): Promise<void>;

  createDevice(device: { id: string; userId: string; name: string }): Promise<DeviceRecord>;
  findDevice(id: string): Promise<DeviceRecord | null>;

  insertRefreshToken(token: Omit<RefreshTokenRecord, 'usedAt' | 'revokedAt'>): Promise<void>;
  findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | null>;
  /** Marks the token used if it was unused and unrevoked; false when another use came first. */
  consumeRefreshToken(tokenHash: string, at: Date): Promise<boolean>;
  /** Revokes every token of a family; returns the device the family belongs to. */
  revokeTokenFamily(familyId: string, at: Date): Promise<void>;

  /** Creates the room with its owner as first member and the owner's join as seq 1. */
  createRoom(room: NewRoom): Promise<StoreResult<{ room: RoomRecord; event: RoomEvent }>>;
  findRoomById(id: string): Promise<RoomRecord | null>;
  /** Exact match on the (lower-case) name. */
  findRoomByName(name: string): Promise<RoomRecord | null>;
  listRoomsOfUser(userId: string): Promise<MemberRoomRecord[]>;
  listOpenRooms(limit: number): Promise<RoomRecord[]>;

  getMembership(roomId: string, userId: string): Promise<MemberRecord | null>;
  listMembers(roomId: string): Promise<MemberRecord[]>;
  /** Adds the member and commits the join event in one transaction. */
  addMember(m: { roomId: string; userId: string; role: MemberRole; eventId: string }): Promise<StoreResult<RoomEvent>>;
  /** Removes the member and commits the leave event in one transaction. */
  removeMember(m: { roomId: string; userId: string; eventId: string }): Promise<StoreResult<RoomEvent>>;

  /**
   * Commits a message with the room's next seq, if the sender is a member at that moment (checked
   * under the room's lock, so a send is ordered against a concurrent leave). A repeat of the sender's
   * clientMsgId in the room returns the stored event with `duplicate: true` and writes nothing.
   * Throws if the room does not exist.
   */
  appendMessage(message: NewMessage): Promise<StoreResult<{ event: RoomEvent; duplicate: boolean }>>;
  /** Events in ascending seq. */
  listEvents(roomId: string, range: EventRange): Promise<RoomEvent[]>;
  headSeq(roomId: string): Promise<number>;
}

