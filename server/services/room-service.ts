import { createHash, randomUUID } from 'node:crypto';
import { distance as levenshtein } from 'fastest-levenshtein';
import { ChatError, DIRECT_MESSAGE_OF_TWO, DM_PREFIX } from '../../shared/protocol/index.js';
import type { CreateRoomRequest, DirectoryPage, Member, MemberRole, MembershipResult, Room, RoomEvent } from '../../shared/protocol/index.js';
import type { Bus } from '../bus/bus.js';
import type { Presence } from '../presence/presence.js';
import type { MemberRecord, RoomRecord, Store } from '../store/store.js';
import { publishRoomEvent, publishRoomsChanged } from './room-events.js';

/** How many rooms sharing the first letter are weighed as typos of a searched name. */
const SIMILAR_CANDIDATES = 500;
/** The most typo matches a directory page offers. */
const SIMILAR_MAX = 5;

/**
 * Of `rooms`, those whose names are within a small Levenshtein distance of `name` (1 for names up to
 * 4 characters, 2 beyond), nearest first, at most {@link SIMILAR_MAX}: "genral" finds "general".
 */
export function closeNames<R extends { readonly name: string }>(name: string, rooms: readonly R[]): R[] {
  const limit = name.length <= 4 ? 1 : 2;
  return rooms
    .map((room) => ({ room, d: levenshtein(name, room.name) }))
    .filter((x) => x.d > 0 && x.d <= limit)
    .sort((a, b) => a.d - b.d || a.room.name.localeCompare(b.room.name))
    .slice(0, SIMILAR_MAX)
    .map((x) => x.room);
}

/**
 * The message of the `forbidden` refusal of anything that would change who is in a direct message, or
 * give one of its two people power over the other: invites, kicks, deleting the other's messages. The
 * clients say the same words without asking (shared/protocol/names.ts).
 */
export { DIRECT_MESSAGE_OF_TWO };

/** A UUID, as opposed to a room name. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A room record as the protocol shows it to a caller with `role`. */
export function toRoomDto(room: RoomRecord, role: MemberRole | null): Room {
  return {
    id: room.id,
    name: room.name,
    topic: room.topic,
    visibility: room.visibility,
    headSeq: room.headSeq,
    memberCount: room.memberCount,
    createdAt: room.createdAt.toISOString(),
    role,
  };
}

export interface RoomServiceDeps {
  readonly store: Store;
  readonly bus: Bus;
  readonly presence: Presence;
}

/** Rooms and membership: create, the directory, join, leave, members, and the membership check. */
export class RoomService {
  constructor(private readonly deps: RoomServiceDeps) {}

  /** Finds a room by id or by name. */
  async resolve(ref: string): Promise<RoomRecord> {
    const room = UUID.test(ref) ? await this.deps.store.findRoomById(ref) : await this.deps.store.findRoomByName(ref.trim().toLowerCase());
    if (!room) throw new ChatError('not_found', `there is no room "${ref}"`);
    return room;
  }

  /**
   * The caller's membership of the room, checked against the store on every call (never from token
   * claims). A private room the caller is not in answers as if it did not exist: `not_found` naming
   * the room by `ref`, the id or name the caller gave, exactly as `resolve` answers an absent one.
   */
  async requireMember(room: RoomRecord, userId: string, ref: string): Promise<MemberRecord> {
    const member = await this.deps.store.getMembership(room.id, userId);
    if (member) return member;
    throw await this.notMember(room, userId, ref);
  }

  /**
   * The error for a caller who is not a member of `room`. One who was removed (and has not joined or
   * left since) learns it, and from whom: `forbidden` "you were removed from #room by NAME" — they knew
   * the room already, so this reveals nothing new. Otherwise a private room answers as if it did not
   * exist (`not_found` naming `ref`), an open one `forbidden` "join it first".
   */
  async notMember(room: RoomRecord, userId: string, ref: string): Promise<ChatError> {
    const removal = await this.deps.store.findRemoval(room.id, userId);
    if (removal) {
      const back = room.visibility === 'private' ? 'only a new invite from its owner lets you back' : 'join it again to come back';
      return new ChatError('forbidden', `you were removed from #${room.name} by ${removal.by.username}; ${back}`);
    }
    if (room.visibility === 'private') return new ChatError('not_found', `there is no room "${ref}"`);
    return new ChatError('forbidden', `you are not a member of #${room.name}; join it first`);
  }

  /**
   * The room, if the caller owns it; otherwise the error a non-owner deserves. A direct message has no
   * owner, whatever role an older server stored for its opener: its members get `forbidden`
   * {@link DIRECT_MESSAGE_OF_TWO}, and anyone else the error a non-member gets.
   */
  async requireOwner(userId: string, ref: string): Promise<RoomRecord> {
    const room = await this.resolve(ref);
    const member = await this.requireMember(room, userId, ref);
    if (room.direct) throw new ChatError('forbidden', DIRECT_MESSAGE_OF_TWO);
    if (member.role !== 'owner') throw new ChatError('forbidden', `only the owner of #${room.name} can do that`);
    return room;
  }

  /**
   * The owner removes a member; the removal is an event, and cuts the member's live subscriptions.
   * Nobody is removed from a direct message (`forbidden`, see {@link requireOwner}); either may leave.
   */
  async kick(userId: string, ref: string, username: string): Promise<MembershipResult> {
    const room = await this.requireOwner(userId, ref);
    const target = await this.deps.store.findUserByUsername(username);
    if (!target) throw new ChatError('not_found', `there is no user "${username}"`);
    if (target.id === userId) throw new ChatError('invalid_request', 'you cannot remove yourself; use leave');
    const removed = await this.deps.store.removeMember({ roomId: room.id, userId: target.id, eventId: randomUUID(), by: userId });
    if (!removed.ok) throw new ChatError('conflict', `${target.username} is not a member of #${room.name}`);
    await publishRoomEvent(this.deps.bus, removed.value);
    await publishRoomsChanged(this.deps.bus, [target.id]);
    return { room: toRoomDto((await this.deps.store.findRoomById(room.id)) ?? room, 'owner'), event: removed.value };
  }

  /**
   * The private room of two: found if it exists, made (with both as members, neither the owner) if not.
   * The caller's role is answered as `member` also in one an older server made with its opener as owner.
   */
  async directMessage(userId: string, username: string): Promise<{ room: Room; created: boolean }> {
    const other = await this.deps.store.findUserByUsername(username);
    if (!other) throw new ChatError('not_found', `there is no user "${username}"`);
    if (other.id === userId) throw new ChatError('invalid_request', 'a direct message needs someone else');
    const dmKey = [userId, other.id].sort().join(':');
    const existing = await this.deps.store.findDmRoom(dmKey);
    if (existing) {
      const member = await this.deps.store.getMembership(existing.id, userId);
      if (member) return { room: toRoomDto(existing, 'member'), created: false };
      // One of the two left: they come back through the same room.
      const back = await this.deps.store.addMember({ roomId: existing.id, userId, role: 'member', eventId: randomUUID() });
      if (back.ok) await publishRoomEvent(this.deps.bus, back.value);
      await publishRoomsChanged(this.deps.bus, [userId]);
      return { room: toRoomDto((await this.deps.store.findRoomById(existing.id)) ?? existing, 'member'), created: false };
    }
    const name = `${DM_PREFIX}${createHash('sha256').update(dmKey).digest('hex').slice(0, 16)}`;
    const created = await this.deps.store.createRoom({ id: randomUUID(), name, topic: '', visibility: 'private', ownerId: userId, joinEventId: randomUUID(), dmKey });
    if (!created.ok) return this.directMessage(userId, username); // made concurrently by the other side
    await publishRoomEvent(this.deps.bus, created.value.event);
    const joined = await this.deps.store.addMember({ roomId: created.value.room.id, userId: other.id, role: 'member', eventId: randomUUID() });
    if (joined.ok) await publishRoomEvent(this.deps.bus, joined.value);
    await publishRoomsChanged(this.deps.bus, [userId, other.id]);
    return { room: toRoomDto((await this.deps.store.findRoomById(created.value.room.id)) ?? created.value.room, 'member'), created: true };
  }

  async create(userId: string, req: { name: string; topic?: string | undefined; visibility: CreateRoomRequest['visibility'] }): Promise<{ room: Room; event: RoomEvent }> {
    const created = await this.deps.store.createRoom({
      id: randomUUID(),
      name: req.name,
      topic: req.topic ?? '',
      visibility: req.visibility ?? 'open',
      ownerId: userId,
      joinEventId: randomUUID(),
    });
    if (!created.ok) throw new ChatError('room_exists', `a room named "${req.name}" already exists`);
    await publishRoomEvent(this.deps.bus, created.value.event);
    await publishRoomsChanged(this.deps.bus, [userId]);
    return { room: toRoomDto(created.value.room, 'owner'), event: created.value.event };
  }

  /** One room as the caller sees it: members see any of theirs, anyone sees an open room. */
  async get(userId: string, ref: string): Promise<Room> {
    const room = await this.resolve(ref);
    const member = await this.deps.store.getMembership(room.id, userId);
    if (!member && room.visibility !== 'open') throw await this.notMember(room, userId, ref);
    return toRoomDto(room, member?.role ?? null);
  }

  async listMine(userId: string): Promise<Room[]> {
    const [rooms, markers] = await Promise.all([this.deps.store.listRoomsOfUser(userId), this.deps.store.listReadMarkers(userId)]);
    return rooms.map((r) => ({ ...toRoomDto(r, r.role), readSeq: markers.get(r.id) ?? 0 }));
  }

  /**
   * A page of the open rooms in name order, with the caller's role where they are a member: those
   * whose name or topic contains `q` when given, and then also the rooms whose names are a typo away
   * from `q` (see {@link closeNames}), so that a mistyped name finds the room meant.
   */
  async directory(userId: string, query: { q?: string | undefined; after?: string | undefined; limit: number }): Promise<DirectoryPage> {
    const q = query.q?.trim().toLowerCase() || undefined;
    const [open, mine, near] = await Promise.all([
      this.deps.store.listOpenRooms({ limit: query.limit + 1, ...(query.after !== undefined ? { after: query.after } : {}), ...(q ? { contains: q } : {}) }),
      this.deps.store.listRoomsOfUser(userId),
      q && query.after === undefined ? this.deps.store.listOpenRooms({ limit: SIMILAR_CANDIDATES, prefix: q.slice(0, 1) }) : Promise.resolve([]),
    ]);
    const roles = new Map(mine.map((r) => [r.id, r.role]));
    const page = open.slice(0, query.limit);
    const listed = new Set(page.map((r) => r.id));
    const similar = q ? closeNames(q, near.filter((r) => !listed.has(r.id))) : [];
    return {
      rooms: page.map((r) => toRoomDto(r, roles.get(r.id) ?? null)),
      next: open.length > query.limit ? (page.at(-1)?.name ?? null) : null,
      similar: similar.map((r) => toRoomDto(r, roles.get(r.id) ?? null)),
    };
  }

  /**
   * The owner sets the room's topic; every member's room list hears of it. In a direct message either
   * of the two may set it, as equals (Matrix clients make both people of a direct chat its admins).
   */
  async setTopic(userId: string, ref: string, topic: string): Promise<Room> {
    const room = await this.resolve(ref);
    const member = await this.requireMember(room, userId, ref);
    if (!room.direct && member.role !== 'owner') throw new ChatError('forbidden', `only the owner of #${room.name} can do that`);
    const changed = (await this.deps.store.setRoomTopic(room.id, topic)) ?? room;
    await publishRoomsChanged(this.deps.bus, (await this.deps.store.listMembers(room.id)).map((m) => m.userId));
    return toRoomDto(changed, room.direct ? 'member' : member.role);
  }

  /**
   * Joins an open room; joining a room you are in already changes nothing. A private room is joined
   * only by invite: its member is told they are in it already, a member its owner removed is told so
   * as reads tell them (`forbidden` "you were removed from #room by NAME; only a new invite …"), and
   * anyone else gets `not_found`, as if it did not exist.
   */
  async join(userId: string, ref: string): Promise<MembershipResult> {
    const room = await this.resolve(ref);
    if (room.visibility !== 'open') {
      const member = await this.deps.store.getMembership(room.id, userId);
      if (!member) throw await this.notMember(room, userId, ref);
      return { room: toRoomDto(room, member.role), event: null };
    }
    const added = await this.deps.store.addMember({ roomId: room.id, userId, role: 'member', eventId: randomUUID() });
    const event = added.ok ? added.value : null;
    if (event) {
      await publishRoomEvent(this.deps.bus, event);
      await publishRoomsChanged(this.deps.bus, [userId]);
    }
    return { room: toRoomDto((await this.deps.store.findRoomById(room.id)) ?? room, (await this.deps.store.getMembership(room.id, userId))?.role ?? 'member'), event };
  }

  async leave(userId: string, ref: string): Promise<MembershipResult> {
    const room = await this.resolve(ref);
    const removed = await this.deps.store.removeMember({ roomId: room.id, userId, eventId: randomUUID() });
    if (!removed.ok) {
      if (room.visibility === 'private') throw await this.notMember(room, userId, ref);
      throw new ChatError('conflict', `you are not a member of #${room.name}`);
    }
    await publishRoomEvent(this.deps.bus, removed.value);
    await publishRoomsChanged(this.deps.bus, [userId]);
    return { room: toRoomDto((await this.deps.store.findRoomById(room.id)) ?? room, null), event: removed.value };
  }

  async members(userId: string, ref: string): Promise<Member[]> {
    const room = await this.resolve(ref);
    await this.requireMember(room, userId, ref);
    const members = await this.deps.store.listMembers(room.id);
    const online = await this.deps.presence.online(members.map((m) => m.userId));
    return members.map((m) => ({
      user: { id: m.userId, username: m.username },
      role: m.role,
      joinedAt: m.joinedAt.toISOString(),
      online: online.has(m.userId),
      lastSeenAt: m.lastSeenAt?.toISOString() ?? null,
    }));
  }
}
