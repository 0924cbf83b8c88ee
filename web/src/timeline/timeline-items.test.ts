import { describe, expect, it } from 'vitest';
import type { RoomEvent } from '../../../shared/protocol/index.js';
import { applyRelations } from '../../../shared/client/index.js';
import { timelineItems } from './timeline-items.js';

const ROOM = '00000000-0000-4000-8000-000000000001';
const me = { id: '00000000-0000-4000-8000-0000000000aa', username: 'me' };
const bob = { id: '00000000-0000-4000-8000-0000000000bb', username: 'bob' };

function message(seq: number, sender: { id: string; username: string }, at: Date): RoomEvent {
  return { id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`, roomId: ROOM, seq, kind: 'message', sender, body: `m${seq}`, envelope: null, target: null, clientMsgId: null, createdAt: at.toISOString() } as RoomEvent;
}

/** The items as short strings: `day:<label>`, `new`, `e<seq>` (`+` when grouped), `p` for pending. */
const shape = (items: ReturnType<typeof timelineItems>) =>
  items.map((i) => (i.kind === 'day' ? `day:${i.label}` : i.kind === 'new' ? 'new' : i.kind === 'event' ? `e${i.event.seq}${i.grouped ? '+' : ''}` : `p${i.grouped ? '+' : ''}`));

describe('timelineItems', () => {
  const now = new Date(2026, 10, 29, 15, 0).getTime();
  const yesterday = (h: number, m = 0) => new Date(2026, 10, 28, h, m);
  const today = (h: number, m = 0) => new Date(2026, 10, 29, h, m);

  it('separates days, groups one sender within five minutes, and puts the new-messages line before the first unread message from someone else', () => {
    const events = [message(1, bob, yesterday(9)), message(2, bob, yesterday(9, 3)), message(3, me, today(10)), message(4, me, today(10, 1)), message(5, bob, today(10, 2)), message(6, bob, today(11))];
    expect(shape(timelineItems(events, [], { newAfterSeq: 2, me, now }))).toEqual(['day:Yesterday', 'e1', 'e2+', 'day:Today', 'e3', 'e4+', 'new', 'e5', 'e6']);
    expect(shape(timelineItems(events, [], { newAfterSeq: null, me, now }))).toEqual(['day:Yesterday', 'e1', 'e2+', 'day:Today', 'e3', 'e4+', 'e5', 'e6']);
    // Read to the end: no line.
    expect(shape(timelineItems(events, [], { newAfterSeq: 6, me, now }))).not.toContain('new');
  });

  // A newcomer's marker (0, or none kept from before) put the line above the whole history they had never been part of.
  it('puts no line for a newcomer above the history from before they joined, and one above what others wrote after the join', () => {
    const join = (seq: number, who: typeof me, at: Date) => ({ ...message(seq, who, at), kind: 'join', body: null }) as RoomEvent;
    const history = [message(1, bob, today(9)), message(2, bob, today(9, 1)), join(3, me, today(10))];
    expect(shape(timelineItems(history, [], { newAfterSeq: 0, me, now }))).toEqual(['day:Today', 'e1', 'e2+', 'e3']);
    // Messages that came while they were away after joining are new.
    const later = [...history, message(4, bob, today(12)), message(5, bob, today(12, 1))];
    expect(shape(timelineItems(later, [], { newAfterSeq: 0, me, now }))).toEqual(['day:Today', 'e1', 'e2+', 'e3', 'new', 'e4', 'e5+']);
    // Someone else's join is not theirs; a marker past their join still decides.
    expect(shape(timelineItems([join(1, bob, today(8)), message(2, bob, today(9)), message(3, bob, today(9, 1))], [], { newAfterSeq: 0, me, now }))).toEqual(['day:Today', 'e1', 'new', 'e2', 'e3+']);
    expect(shape(timelineItems(later, [], { newAfterSeq: 4, me, now }))).toEqual(['day:Today', 'e1', 'e2+', 'e3', 'e4', 'new', 'e5']);
  });

  it('puts the line before the day separator of a new day, and the pending messages last', () => {
    const events = [message(1, bob, yesterday(9)), message(2, bob, today(9))];
    const pending = [{ clientMsgId: 'c1', roomId: ROOM, text: 'hi', private: false, queuedAt: today(14).getTime(), status: 'queued' as const }];
    expect(shape(timelineItems(events, pending, { newAfterSeq: 1, me, now }))).toEqual(['day:Yesterday', 'e1', 'new', 'day:Today', 'e2', 'p']);
  });

  it('names older days by date', () => {
    const items = timelineItems([message(1, bob, new Date(2025, 0, 2, 9))], [], { newAfterSeq: null, me, now });
    expect(items[0]).toMatchObject({ kind: 'day' });
    expect(items[0]?.kind === 'day' && items[0].label).toMatch(/2025/);
  });

  it('gives edits, reactions and deletes no row: they fold into the message they name, which carries its view', () => {
    const target = message(1, bob, today(9));
    const related = (seq: number, sender: typeof me, body: string | null, type: string) => ({ ...message(seq, sender, today(9, seq)), body, relation: { type, eventId: target.id, seq: 1 } }) as RoomEvent;
    const events = [target, related(2, bob, 'm1, edited', 'edit'), related(3, me, '👍', 'reaction'), related(4, me, 'a reply', 'reply'), message(5, bob, today(10))];
    const { byId } = applyRelations(events, me.id, (e) => e.body);
    const items = timelineItems(events, [], { newAfterSeq: 1, me, now, views: byId });
    expect(shape(items)).toEqual(['day:Today', 'e1', 'e4', 'new', 'e5']);
    const first = items[1];
    expect(first?.kind === 'event' && first.view).toMatchObject({ text: 'm1, edited', edited: true, reactions: [{ key: '👍', count: 1, senders: ['me'] }] });
  });

  it('gives a message of a relation type this client does not know a row of its own, with its text', () => {
    const target = message(1, bob, today(9));
    const future = { ...message(2, bob, today(9, 2)), body: 'from the future', relation: { type: 'thread', eventId: target.id, seq: 1 } } as RoomEvent;
    const { byId } = applyRelations([target, future], me.id, (e) => e.body);
    const items = timelineItems([target, future], [], { newAfterSeq: 2, me, now, views: byId });
    expect(shape(items)).toEqual(['day:Today', 'e1', 'e2+']);
    const row = items[2];
    expect(row?.kind === 'event' && row.view).toMatchObject({ text: 'from the future', unknownRelation: 'thread', edited: false, deleted: false });
  });
});
