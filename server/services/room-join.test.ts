import { describe, expect, it } from 'vitest';
import type { Bus } from '../bus/bus.js';
import type { Presence } from '../presence/presence.js';
import type { MemberRecord, RoomRecord, Store } from '../store/store.js';
import { RoomService } from './room-service.js';

const ROOM: RoomRecord = {
  id: '00000000-0000-4000-8000-00000000000a',
  name: 'plans',
  topic: '',
  visibility: 'private',
  ownerId: 'alice-id',
  headSeq: 3,
  memberCount: 1,
  createdAt: new Date(0),
  direct: false,
};

/** A room service over a store that holds one private room, with `removedBy` having removed the caller (or not). */
function service(options: { removedBy?: string; member?: boolean }): RoomService {
  const store = {
    findRoomByName: async (name: string) => (name === 'plans' ? ROOM : null),
    findRoomById: async (id: string) => (id === ROOM.id ? ROOM : null),
    findRemoval: async () => (options.removedBy ? { by: { id: 'alice-id', username: options.removedBy } } : null),
    getMembership: async () => (options.member ? ({ roomId: ROOM.id, userId: 'bob-id', username: 'bob', role: 'member' } as MemberRecord) : null),
  } as unknown as Store;
  return new RoomService({ store, bus: {} as Bus, presence: {} as Presence });
}

describe('RoomService.join of a private room', () => {
  it('tells a removed member who removed them and that only a new invite lets them back (as reads do), not "there is no room"', async () => {
    await expect(service({ removedBy: 'alice' }).join('bob-id', 'plans')).rejects.toMatchObject({
      code: 'forbidden',
      message: 'you were removed from #plans by alice; only a new invite from its owner lets you back',
    });
  });

  it('still answers as if it did not exist to someone never in it', async () => {
    await expect(service({}).join('carol-id', 'plans')).rejects.toMatchObject({ code: 'not_found', message: 'there is no room "plans"' });
  });

  it('answers a member that they are in it already', async () => {
    await expect(service({ member: true }).join('bob-id', 'plans')).resolves.toMatchObject({ room: { name: 'plans', role: 'member' }, event: null });
  });
});
