import { describe, expect, it } from 'vitest';
import type { RoomEvent } from '../../../shared/protocol/index.js';
import { fuzzyFilter, fuzzyScore } from './fuzzy.js';
import { addEvents, emptyRoom, hasUnreadMention, markRead, setTyping, typingLine, unreadCount } from '../../../shared/client/room-state.js';
import { completeSlash, parseComposer } from './slash-commands.js';
import { resolveTheme, senderColor, systemTheme } from './theme.js';
import { timelineRows } from './timeline-rows.js';

const ROOM = '3f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8d';
const ME = { id: '00000000-0000-4000-8000-00000000000a', username: 'alice' };
const BOB = { id: '00000000-0000-4000-8000-00000000000b', username: 'bob' };

function ev(seq: number, body: string | null, sender = BOB, createdAt = '2026-11-25T10:00:00.000Z'): RoomEvent {
  return { id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`, roomId: ROOM, seq, kind: body === null ? 'join' : 'message', sender, body, envelope: null, target: null, clientMsgId: null, createdAt };
}

describe('room state', () => {
  it('keeps events in seq order without duplicates, and counts unread messages from others', () => {
    let room = addEvents(emptyRoom(ROOM, 1), [ev(3, 'c'), ev(1, null), ev(2, 'b', ME)]);
    room = addEvents(room, [ev(3, 'c'), ev(4, 'd')]);
    expect(room.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(unreadCount(room, ME.id)).toBe(2);
    expect(unreadCount(markRead(room, 3), ME.id)).toBe(1);
    expect(markRead(markRead(room, 3), 2).readSeq).toBe(3);
  });

  it('notices an unread @mention of this user as a whole word', () => {
    const body = (e: RoomEvent) => e.body;
    expect(hasUnreadMention(addEvents(emptyRoom(ROOM), [ev(1, 'hey @Alice, look')]), ME, body)).toBe(true);
    expect(hasUnreadMention(addEvents(emptyRoom(ROOM), [ev(1, 'mail alice@example.com')]), ME, body)).toBe(false);
    expect(hasUnreadMention(addEvents(emptyRoom(ROOM), [ev(1, '@alicex')]), ME, body)).toBe(false);
    expect(hasUnreadMention(markRead(addEvents(emptyRoom(ROOM), [ev(1, '@alice')]), 1), ME, body)).toBe(false);
  });

  it('says who is typing, lets indicators expire, and ends one when that person sends', () => {
    let room = setTyping(emptyRoom(ROOM), BOB, 'start', 6_000);
    room = setTyping(room, { id: 'c', username: 'carol' }, 'start', 3_000);
    expect(typingLine(room, 1_000)).toBe('bob and carol are typing…');
    expect(typingLine(room, 4_000)).toBe('bob is typing…');
    expect(typingLine(addEvents(room, [ev(1, 'hi')]), 1_000)).toBe('carol is typing…');
    expect(typingLine(setTyping(room, BOB, 'stop', 0), 4_000)).toBeNull();
    const many = ['d', 'e', 'f'].reduce((r, n) => setTyping(r, { id: n, username: n }, 'start', 9_000), room);
    expect(typingLine(many, 1_000)).toBe('5 people are typing…');
  });
});

describe('timeline rows', () => {
  it('puts day separators where the day changes and the new marker before the first unread event', () => {
    const now = Date.parse('2026-11-25T12:00:00.000Z');
    const rows = timelineRows([ev(1, 'old', BOB, '2026-11-23T09:00:00.000Z'), ev(2, 'y', BOB, '2026-11-24T09:00:00.000Z'), ev(3, 'a', BOB, '2026-11-25T09:00:00.000Z'), ev(4, 'b', BOB, '2026-11-25T10:00:00.000Z')], {
      readSeq: 3,
      now,
      timeZone: 'UTC',
    });
    expect(rows.map((r) => (r.kind === 'event' ? r.event.seq : r.kind === 'day' ? r.label : 'NEW'))).toEqual(['Monday', 1, 'Yesterday', 2, 'Today', 3, 'NEW', 4]);
    expect(timelineRows([ev(1, 'a')], { readSeq: 1, now, timeZone: 'UTC' }).some((r) => r.kind === 'new')).toBe(false);
  });
});

describe('fuzzy room switcher', () => {
  it('ranks prefixes, then word starts and runs, and drops non-matches', () => {
    expect(fuzzyScore('gen', 'general')).toBeGreaterThan(fuzzyScore('gen', 'dev-general') as number);
    expect(fuzzyScore('xyz', 'general')).toBeNull();
    expect(fuzzyFilter('dg', ['design', 'dev-general', 'random', 'dogs'], (s) => s)).toEqual(['dev-general', 'dogs', 'design']);
    expect(fuzzyFilter('', ['b', 'a'], (s) => s)).toEqual(['a', 'b']);
  });
});

describe('slash commands', () => {
  it('parses commands with quoted arguments, keeps // as a literal slash, and names mistakes', () => {
    expect(parseComposer('hello')).toEqual({ kind: 'message', text: 'hello' });
    expect(parseComposer('//shrug')).toEqual({ kind: 'message', text: '/shrug' });
    expect(parseComposer('/create plans --private')).toEqual({ kind: 'command', name: 'create', args: ['plans', '--private'], rest: 'plans --private' });
    expect(parseComposer('/search "deploy friday"')).toEqual({ kind: 'command', name: 'search', args: ['deploy friday'], rest: '"deploy friday"' });
    expect(parseComposer('/JOIN general')).toMatchObject({ kind: 'command', name: 'join' });
    expect(parseComposer('/frob')).toEqual({ kind: 'error', message: 'no command /frob; type /help for the list' });
  });

  it('completes a half-typed command', () => {
    expect(completeSlash('/jo')).toEqual(['/join ']);
    expect(completeSlash('/')).toHaveLength(22);
    expect(completeSlash('/join x')).toEqual([]);
    expect(completeSlash('hello')).toEqual([]);
  });
});

describe('themes', () => {
  it('follows the terminal background for system, and gives each user a stable colour', () => {
    expect(systemTheme({ COLORFGBG: '0;15' })).toBe('light');
    expect(systemTheme({ COLORFGBG: '15;0' })).toBe('dark');
    expect(systemTheme({ COLORFGBG: '12;default;7' })).toBe('light');
    expect(systemTheme({})).toBe('dark');
    expect(resolveTheme('light', { COLORFGBG: '15;0' }).name).toBe('light');
    const t = resolveTheme('dark', {});
    expect(senderColor(t, 'Bob')).toBe(senderColor(t, 'bob'));
    // The hue is the one every client gives the user (shared/text/sender-colour.ts): 'ab' is green.
    expect(senderColor(resolveTheme('light', {}), 'ab')).toBe('green');
    expect(senderColor(t, 'ab')).toBe('green');
  });
});
