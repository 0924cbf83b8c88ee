import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { RoomEvent } from '../../shared/protocol/index.js';
import { Output } from '../output.js';
import { historyLines, reconnectNote } from './read.js';

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const alice = { id: id(901), username: 'alice' };
const bob = { id: id(902), username: 'bob' };
/** A plain event of room 1 at `seq`, its relation naming the event at `target`. */
const ev = (seq: number, sender: typeof alice, body: string | null, relation?: { type: string; target: number }): RoomEvent => ({
  id: id(seq), roomId: id(1), seq, kind: 'message', sender, body, envelope: null, target: null, clientMsgId: null,
  createdAt: '2026-11-25T10:00:00.000Z',
  relation: relation ? { type: relation.type, eventId: id(relation.target), seq: relation.target } : null,
});

describe('chat read (historyLines)', () => {
  // `chat read plans` showed "bob: [message deleted] #4" with "👍🏽 1*" still under it; the web showed none.
  it('shows a deleted message as a tombstone without the reactions it had', () => {
    const out = new Output(sink(), sink(), false, false);
    const events = [
      ev(4, bob, 'the plan'),
      ev(5, alice, '👍🏽', { type: 'reaction', target: 4 }),
      ev(6, bob, null, { type: 'delete', target: 4 }),
      ev(7, bob, 'next'),
      ev(8, alice, '🎉', { type: 'reaction', target: 7 }),
    ];
    const { byId, lines } = historyLines(out, events, new Map(), new Map(), alice.id);
    expect(lines.join('\n').split('\n')).toEqual([
      expect.stringMatching(/ {2}bob: \[message deleted\] #4$/),
      expect.stringMatching(/ {2}bob: next #7$/),
      `${' '.repeat(18)}🎉 1*`,
    ]);
    // --json carries the same rule: a tombstone with no reactions.
    expect(byId.get(id(4))).toMatchObject({ deleted: true, text: null, reactions: [] });
  });

  // `chat read general --before 4` showed "bob: the plan" with no "(edited)" and no reactions: its
  // edit and reaction came after the page; they are folded in (`later`), never printed themselves.
  it('folds in the relations after a page read back without printing them', () => {
    const out = new Output(sink(), sink(), false, false);
    const page = [ev(2, bob, 'the plan'), ev(3, alice, 'ok')];
    const later = [ev(5, bob, 'the plan v2', { type: 'edit', target: 2 }), ev(6, alice, '👍', { type: 'reaction', target: 2 })];
    const { byId, lines } = historyLines(out, page, new Map(), new Map(), alice.id, later);
    expect(lines.join('\n').split('\n')).toEqual([
      expect.stringMatching(/ {2}bob: the plan v2 \(edited\) #2$/),
      `${' '.repeat(18)}👍 1*`,
      expect.stringMatching(/ {2}alice: ok #3$/),
    ]);
    expect(byId.get(id(2))).toMatchObject({ text: 'the plan v2', edited: true });
  });
});

describe('chat read --follow while reconnecting', () => {
  // A restart printed "connection lost; reconnecting in N s" for every failed retry (seven in a row),
  // which read as seven losses.
  it('says the connection was lost once, then that there is still none, with the wait', () => {
    expect(reconnectNote({ attempt: 1, retryAt: 10_400 }, 10_000)).toBe('chat: connection lost; reconnecting in 0 s');
    expect(reconnectNote({ attempt: 2, retryAt: 11_600 }, 10_000)).toBe('chat: still no connection; retrying in 2 s');
    expect(reconnectNote({ attempt: 7, retryAt: 9_000 }, 10_000)).toBe('chat: still no connection; retrying in 0 s');
  });
});
