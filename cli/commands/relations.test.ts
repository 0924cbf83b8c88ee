import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ApiClient, StoredSession } from '../../shared/client/index.js';
import { ChatError } from '../../shared/protocol/index.js';
import type { RoomEvent } from '../../shared/protocol/index.js';
import type { CliContext } from '../context.js';
import { Output } from '../output.js';
import { resolveRoom } from '../room-ref.js';
import { deleteRefusal, remove } from './relations.js';

const ROOM = '00000000-0000-4000-8000-00000000000a';
const BOB = { id: '00000000-0000-4000-8000-0000000000b0', username: 'bob' };
const idOf = (seq: number) => `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`;
const event = (seq: number, relation?: { type: string; seq: number }, kind: RoomEvent['kind'] = 'message'): RoomEvent => ({
  id: idOf(seq),
  roomId: ROOM,
  seq,
  kind,
  sender: BOB,
  body: 'x',
  envelope: null,
  target: null,
  clientMsgId: idOf(seq + 1000),
  createdAt: '2026-11-25T10:00:00.000Z',
  relation: relation ? { type: relation.type, eventId: idOf(relation.seq), seq: relation.seq } : null,
});

describe('chat delete refuses what is not a message', () => {
  it('refuses a reaction, naming its sender and how to take one back', () => {
    const refusal = deleteRefusal(event(7, { type: 'reaction', seq: 6 }), 'plans', 7);
    expect(refusal?.code).toBe('invalid_request');
    expect(refusal?.message).toBe('#7 is a reaction by bob, not a message; take your own reaction back with `chat react plans 6 <emoji>`');
  });

  it('refuses an edit and a delete event, and answers not_found for a membership event or no event', () => {
    expect(deleteRefusal(event(8, { type: 'edit', seq: 6 }), 'plans', 8)?.message).toContain('#8 is an edit of message #6');
    expect(deleteRefusal(event(9, { type: 'delete', seq: 6 }), 'plans', 9)?.code).toBe('invalid_request');
    expect(deleteRefusal(event(1, undefined, 'join'), 'plans', 1)?.code).toBe('not_found');
    expect(deleteRefusal(undefined, 'plans', 99)?.code).toBe('not_found');
  });

  it('lets a message and a reply through', () => {
    expect(deleteRefusal(event(6), 'plans', 6)).toBeNull();
    expect(deleteRefusal(event(10, { type: 'reply', seq: 6 }), 'plans', 10)).toBeNull();
  });
});

/**
 * A fake signed-in context whose API answers like the server: `api.room` knows only the bare name
 * `general` (not `#general`, not `@bob`), and alice's DM with bob is found through rooms + members;
 * `ctx.room` is the real resolution (resolveRoom). Records the deletes asked for.
 */
function fakeCtx(): { ctx: CliContext; deleted: Array<{ roomId: string; seq: number }> } {
  const general = { id: '00000000-0000-4000-8000-0000000000a1', name: 'general', visibility: 'open', kind: 'room' };
  const dm = { id: '00000000-0000-4000-8000-0000000000a2', name: 'dm-alice-bob', visibility: 'private', kind: 'direct' };
  const deleted: Array<{ roomId: string; seq: number }> = [];
  const api = {
    room: async (ref: string) => {
      if (ref === 'general' || ref === general.id) return general;
      throw new ChatError('not_found', `there is no room ${JSON.stringify(ref)}`);
    },
    rooms: async () => [general, dm],
    directory: async () => ({ rooms: [general], similar: [] }),
    members: async (roomId: string) => (roomId === dm.id ? [{ user: { username: 'alice' } }, { user: { username: 'bob' } }] : []),
    history: async (roomId: string) => ({ events: [{ ...event(4), roomId }], hasMore: false }),
    deleteMessage: async (roomId: string, seq: number) => {
      deleted.push({ roomId, seq });
      return { id: idOf(11), seq: 11 };
    },
  };
  const session = { user: { id: BOB.id, username: 'alice' } };
  const ctx = {
    out: new Output(new Writable({ write: (_c, _e, cb) => cb() }), new Writable({ write: (_c, _e, cb) => cb() }), false, false),
    signedIn: async () => ({ api, session }),
    room: (a: ApiClient, s: StoredSession, ref: string, options: { openDirectMessage?: boolean } = {}) => resolveRoom(ref, { api: a, me: s.user.username, ...options }),
  } as unknown as CliContext;
  return { ctx, deleted };
}

describe('edit, react and delete take every form of <room> (#name, name, @user)', () => {
  // `chat delete '#general' 4` and `chat delete @bob 4` exited 5 "there is no room "#general"":
  // the commands asked the server for the room by the argument as typed.
  it('chat delete resolves #general, general and @bob as the other commands do', async () => {
    const { ctx, deleted } = fakeCtx();
    await remove(ctx, '#general', 4);
    await remove(ctx, 'general', 4);
    await remove(ctx, '@bob', 4);
    expect(deleted.map((d) => d.roomId)).toEqual(['00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a2']);
  });

  it('names a direct message as @user in what it says, not by its internal name', async () => {
    const { ctx } = fakeCtx();
    const out = { text: '' };
    (ctx as unknown as { out: Output }).out = new Output(new Writable({ write: (c, _e, cb) => ((out.text += String(c)), cb()) }), new Writable({ write: (_c, _e, cb) => cb() }), false, false);
    await remove(ctx, '@bob', 4);
    expect(out.text).toBe('Deleted #4 in @bob.\n');
  });

  it('no command under cli/commands looks a room argument up with api.room (ctx.room / resolveRoom knows #name and @user)', () => {
    const dir = fileURLToPath(new URL('.', import.meta.url));
    const offenders = readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .filter((f) => /\bapi\.room\(/.test(readFileSync(join(dir, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
