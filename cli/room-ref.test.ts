import { describe, expect, it, vi } from 'vitest';
import type { ApiClient } from '../shared/client/index.js';
import { ChatError } from '../shared/protocol/index.js';
import type { Room } from '../shared/protocol/index.js';
import { parseRoomRef, resolveRoom, suggestRoomName } from './room-ref.js';

const room = (name: string, visibility: Room['visibility'] = 'open'): Room => ({
  id: `00000000-0000-4000-8000-${String(name.length).padStart(12, '0')}`, name, topic: '', visibility, headSeq: 0, memberCount: 2, createdAt: '2026-11-25T10:00:00.000Z', role: 'member',
});
const GENERAL = room('general');
const DM = { ...room('dm-ee18aa0011223344', 'private'), id: '00000000-0000-4000-8000-0000000000dd' };
const member = (username: string) => ({ user: { id: username, username }, role: 'member', joinedAt: '', online: false, lastSeenAt: null });

function fakeApi() {
  return {
    rooms: vi.fn(async () => [GENERAL, DM]),
    directory: vi.fn(async () => [GENERAL, room('random')]),
    members: vi.fn(async (id: string) => (id === DM.id ? [member('alice'), member('Dana')] : [member('alice')])),
    room: vi.fn(async (ref: string) => {
      const found = [GENERAL, DM].find((r) => r.name === ref || r.id === ref);
      if (!found) throw new ChatError('not_found', `there is no room "${ref}"`);
      return found;
    }),
    directMessage: vi.fn(async () => ({ room: { ...DM, id: '00000000-0000-4000-8000-0000000000ee' }, created: true })),
  };
}

describe('parseRoomRef', () => {
  it('reads @user, #room and a bare name', () => {
    expect(parseRoomRef('@dana')).toEqual({ kind: 'user', username: 'dana' });
    expect(parseRoomRef('#general')).toEqual({ kind: 'room', name: 'general' });
    expect(parseRoomRef(' general ')).toEqual({ kind: 'room', name: 'general' });
    expect(parseRoomRef('#')).toEqual({ kind: 'room', name: '#' });
  });
});

describe('suggestRoomName', () => {
  it('suggests a close name, and nothing for a far one or an exact one', () => {
    expect(suggestRoomName('genral', ['general', 'random'])).toBe('general');
    expect(suggestRoomName('GENERLA', ['general'])).toBe('general');
    expect(suggestRoomName('xyz', ['general', 'random'])).toBeUndefined();
    expect(suggestRoomName('general', ['general'])).toBeUndefined();
  });
});

describe('resolveRoom', () => {
  it('finds your direct messages by the other person’s name, in any case', async () => {
    const api = fakeApi();
    expect(await resolveRoom('@dana', { api: api as unknown as ApiClient, me: 'alice' })).toBe(DM);
    expect(api.directMessage).not.toHaveBeenCalled();
  });

  it('opens direct messages for @user only when asked, and otherwise says there are none', async () => {
    const api = fakeApi();
    await expect(resolveRoom('@erin', { api: api as unknown as ApiClient, me: 'alice' })).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/no direct messages with @erin/) });
    expect((await resolveRoom('@erin', { api: api as unknown as ApiClient, me: 'alice', openDirectMessage: true })).id).toBe('00000000-0000-4000-8000-0000000000ee');
  });

  it('takes #room, and says "did you mean" for a mistyped name', async () => {
    const api = fakeApi();
    expect(await resolveRoom('#general', { api: api as unknown as ApiClient, me: 'alice' })).toBe(GENERAL);
    await expect(resolveRoom('#genral', { api: api as unknown as ApiClient, me: 'alice' })).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/did you mean #general\?$/) });
    await expect(resolveRoom('zzz', { api: api as unknown as ApiClient, me: 'alice' })).rejects.toMatchObject({ code: 'not_found', message: 'there is no room "zzz"' });
  });
});
