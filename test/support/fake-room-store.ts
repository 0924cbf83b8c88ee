import { randomUUID } from 'node:crypto';
import type { RoomEvent, UserRef } from '../../shared/protocol/index.js';
import type { EventRange, MemberRecord, Store } from '../../server/store/store.js';

/**
 * The slice of `Store` that room feeds and the gateway read, in memory: each room's events in seq
 * order and its members. Every read is counted in `calls` by method name. Any other store method is
 * absent, so a test that reaches one fails loudly.
 */
export class FakeRoomStore {
  readonly calls: Record<string, number> = {};
  private readonly events = new Map<string, RoomEvent[]>();
  private readonly members = new Map<string, Map<string, UserRef>>();

  /** This store as the `Store` its users are typed by. */
  get store(): Store {
    return this as unknown as Store;
  }

  /** Makes `user` a member of `roomId` (without an event). */
  addMember(roomId: string, user: UserRef): void {
    if (!this.members.has(roomId)) this.members.set(roomId, new Map());
    this.members.get(roomId)?.set(user.id, user);
  }

  /** Commits the room's next event (seq = head + 1); a leave or remove also ends the membership. */
  append(roomId: string, kind: RoomEvent['kind'], sender: UserRef, extra: Partial<RoomEvent> = {}): RoomEvent {
    const list = this.events.get(roomId) ?? [];
    this.events.set(roomId, list);
    const event: RoomEvent = {
      id: randomUUID(),
      roomId,
      seq: list.length + 1,
      kind,
      sender,
      body: kind === 'message' ? `m${list.length + 1}` : null,
      envelope: null,
      target: null,
      clientMsgId: null,
      createdAt: new Date(0).toISOString(),
      ...extra,
    };
    list.push(event);
    const departed = kind === 'leave' ? sender.id : kind === 'remove' ? event.target?.id : undefined;
    if (departed !== undefined) this.members.get(roomId)?.delete(departed);
    return event;
  }

  private count(name: string): void {
    this.calls[name] = (this.calls[name] ?? 0) + 1;
  }

  async membershipsOf(userId: string, roomIds: readonly string[]): Promise<Map<string, number>> {
    this.count('membershipsOf');
    return new Map(roomIds.filter((id) => this.members.get(id)?.has(userId)).map((id) => [id, this.events.get(id)?.length ?? 0]));
  }

  async membershipsOfMany(asks: readonly { userId: string; roomIds: readonly string[] }[]): Promise<Map<string, number>[]> {
    this.count('membershipsOfMany');
    return asks.map(({ userId, roomIds }) => new Map(roomIds.filter((id) => this.members.get(id)?.has(userId)).map((id) => [id, this.events.get(id)?.length ?? 0])));
  }

  async getMembership(roomId: string, userId: string): Promise<MemberRecord | null> {
    this.count('getMembership');
    const user = this.members.get(roomId)?.get(userId);
    return user ? { roomId, userId, username: user.username, role: 'member', joinedAt: new Date(0), lastSeenAt: null } : null;
  }

  async headSeq(roomId: string): Promise<number> {
    this.count('headSeq');
    return this.events.get(roomId)?.length ?? 0;
  }

  async listEvents(roomId: string, range: EventRange): Promise<RoomEvent[]> {
    this.count('listEvents');
    if (range.beforeSeq !== undefined) throw new Error('FakeRoomStore.listEvents reads forward only');
    return (this.events.get(roomId) ?? []).filter((e) => e.seq > (range.afterSeq ?? 0)).slice(0, range.limit);
  }

  async listRoomsOfUser(userId: string): Promise<{ id: string }[]> {
    this.count('listRoomsOfUser');
    return [...this.members].filter(([, users]) => users.has(userId)).map(([id]) => ({ id }));
  }

  async roomIdsOfUsers(userIds: readonly string[]): Promise<Map<string, string[]>> {
    this.count('roomIdsOfUsers');
    return new Map(userIds.map((userId) => [userId, [...this.members].filter(([, users]) => users.has(userId)).map(([id]) => id)]));
  }

  async touchUserLastSeen(): Promise<void> {
    this.count('touchUserLastSeen');
  }
}
