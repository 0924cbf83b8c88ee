import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import type { MessageView } from '../../../shared/client/index.js';
import type { RoomEvent } from '../../../shared/protocol/index.js';
import type { LayoutLine } from './timeline-layout.js';
import { anchorAt, anchoredOffset, layoutRow, layoutTimeline, layoutTimelineTail, markMatches, viewport } from './timeline-layout.js';
import { markdownLines } from './markdown-spans.js';
import type { TimelineRow } from './timeline-rows.js';

const event = (body: string, username = 'bob'): RoomEvent => ({
  id: '00000000-0000-4000-8000-000000000001', roomId: 'r', seq: 1, kind: 'message', sender: { id: 'b', username }, body,
  envelope: null, target: null, clientMsgId: null, createdAt: '2026-11-25T10:00:00.000Z',
});
const options = (width: number) => ({ width, me: 'alice', textOf: (r: { event: RoomEvent }) => r.event.body ?? '', time: (iso: string) => iso.slice(11, 16) });
const text = (e: RoomEvent, width: number) => layoutRow({ kind: 'event', key: 'e', event: e }, options(width)).map((l) => l.spans.map((s) => s.text).join(''));

describe('layoutRow', () => {
  it('lays out a reply quote above and reactions below within the width, in display columns', () => {
    const e = event('終わった？ yes');
    const view: MessageView = {
      event: e, text: '終わった？ yes', edited: true, deleted: false, unknownRelation: null,
      reactions: [{ key: '👍', count: 2, mineSeq: 4, senders: ['alice', 'bob'] }, { key: '🎉', count: 1, mineSeq: null, senders: ['bob'] }],
      replyTo: { seq: 1, eventId: e.id, sender: 'carol', text: '漢字の長い質問です。\nもう一行'.repeat(4), deleted: false },
    };
    for (const width of [12, 20, 40, 80]) {
      const rows = layoutRow({ kind: 'event', key: 'e', event: e, view }, options(width)).map((l) => l.spans.map((s) => s.text).join(''));
      for (const row of rows) expect(stringWidth(row)).toBeLessThanOrEqual(width);
      expect(rows[0]).toContain('┌ car');
    }
    const rows = layoutRow({ kind: 'event', key: 'e', event: e, view }, options(80)).map((l) => l.spans.map((s) => s.text).join(''));
    expect(rows).toHaveLength(3);
    expect(rows[1]).toBe('10:00 bob: 終わった？ yes (edited)');
    expect(rows[2]).toBe('           👍 2*  🎉 1');
    const gone = layoutRow({ kind: 'event', key: 'e', event: e, view: { ...view, deleted: true, text: null, replyTo: null } }, options(80));
    expect(gone.map((l) => l.spans.map((s) => s.text).join(''))).toEqual(['10:00 bob: message deleted']);
  });

  it("picks out this user's mentions as mention spans, any case, but not in code, not a longer name, not another user's", () => {
    const mentionSpans = (body: string) =>
      layoutRow({ kind: 'event', key: 'e', event: event(body) }, options(80))
        .flatMap((l) => l.spans)
        .filter((sp) => sp.tone === 'mention')
        .map((sp) => sp.text);
    expect(mentionSpans('ping @alice and @Alice, please')).toEqual(['@alice', '@Alice']);
    expect(mentionSpans('two lines\nfor @alice')).toEqual(['@alice']);
    expect(mentionSpans('run `@alice` now')).toEqual([]);
    expect(mentionSpans('hi @alicia and @bob')).toEqual([]);
    expect(text(event('ping @alice please'), 80)).toEqual(['10:00 bob: ping @alice please']);
  });

  it('indents continuation lines under the text, so a line cannot pose as another message', () => {
    expect(text(event('hello\n10:00 mallory: send me your password'), 60)).toEqual(['10:00 bob: hello', '           10:00 mallory: send me your password']);
  });

  it('wraps at words in display columns, and puts a prefix wider than half the width on a row of its own', () => {
    expect(text(event('one two three four'), 22)).toEqual(['10:00 bob: one two', '           three four']);
    expect(text(event('hi there', 'a-very-long-user-name'), 30)).toEqual(['10:00 a-very-long-user-name: ', '               hi there']);
  });

  it('draws a /me message as an action, as chat read and the web do', () => {
    expect(text(event('/me waves at **everyone**'), 80)).toEqual(['10:00 * bob waves at everyone']);
    expect(text(event('/me waves to all of you'), 24)).toEqual(['10:00 * bob waves to all', '            of you']);
    expect(text(event('/meow'), 80)).toEqual(['10:00 bob: /meow']);
  });

  it('gives a 300-line message 300 rows', () => {
    expect(text(event(Array.from({ length: 300 }, (_, i) => `line ${i + 1}`).join('\n')), 40)).toHaveLength(300);
  });

  it('keys rows uniquely and records where each timeline row starts', () => {
    const layout = layoutTimeline([{ kind: 'day', key: 'd', label: 'Today' }, { kind: 'event', key: 'e', event: event('a\nb') }], options(40));
    expect(layout.lines.map((l) => l.key)).toEqual(['d:0', 'e:0', 'e:1']);
    expect(layout.startOf.get('e')).toBe(1);
  });
});

describe('pending relations in the layout', () => {
  const rowsOf = (row: Parameters<typeof layoutRow>[0]) => layoutRow(row, options(80)).map((l) => l.spans.map((s) => s.text).join(''));

  it('shows a pending edit\'s new text marked pending, a pending delete, and a pending reaction chip', () => {
    const e = event('helo');
    const view: MessageView = { event: e, text: 'helo', edited: false, deleted: false, reactions: [{ key: '👍', count: 1, mineSeq: null, senders: [], pending: true }], replyTo: null, unknownRelation: null, pendingText: 'hello' };
    expect(rowsOf({ kind: 'event', key: 'e', event: e, view })).toEqual(['10:00 bob: hello (edit pending)', '           👍 1…']);
    expect(rowsOf({ kind: 'event', key: 'e', event: e, view: { ...view, pendingText: undefined, reactions: [], pendingDelete: true } as MessageView })[0]).toBe('10:00 bob: helo (delete pending)');
  });

  it('shows a pending reply, or a relation that failed, as a row saying what it does', () => {
    const p = { clientMsgId: 'c', roomId: 'r', text: 'too late', private: false, queuedAt: Date.parse('2026-11-25T10:00:00.000Z'), status: 'failed' as const, error: { code: 'conflict' as const, message: 'message 1 was deleted' }, relation: { type: 'edit' as const, eventId: 'x', seq: 1 } };
    expect(rowsOf({ kind: 'pending', key: 'p', message: p }).join(' ').replace(/\s+/g, ' ')).toContain('alice: ✎ #1 → too late (not sent: message 1 was deleted — /retry or /discard)');
  });
});

describe('layoutTimelineTail: only the newest rows', () => {
  /** `count` one-line messages, oldest first, each keyed by its number. */
  const history = (count: number, body = (i: number) => `message ${i}`): TimelineRow[] =>
    Array.from({ length: count }, (_, i) => ({ kind: 'event', key: `e${i}`, event: { ...event(body(i)), id: `id-${i}`, seq: i + 1 } }));
  const plain = (lines: readonly LayoutLine[]) => lines.map((l) => l.spans.map((s) => s.text).join(''));
  /** A Map that counts what is laid out afresh (every set is a row not found in it). */
  const countingCache = () => {
    const map = new Map<string, LayoutLine[]>();
    let laidOut = 0;
    return { cache: { get: (k: string) => map.get(k), set: (k: string, v: LayoutLine[]) => { laidOut += 1; map.set(k, v); } }, laidOut: () => laidOut };
  };

  it('lays out rows from the newest up until it has the rows asked for, and no more', () => {
    const rows = history(1000);
    const { cache, laidOut } = countingCache();
    const tail = layoutTimelineTail(rows, options(80), 30, cache);
    expect(laidOut()).toBe(30);
    expect(tail.complete).toBe(false);
    expect(plain(tail.lines)).toEqual(plain(layoutTimeline(rows, options(80)).lines.slice(-30)));
    expect(tail.startOf.get('e999')).toBe(29);
    expect(tail.startOf.get('e969')).toBeUndefined();
  });

  it('keeps whole messages: a tall one above the rows asked for is laid out whole', () => {
    const rows = history(5, (i) => (i === 3 ? 'a\nb\nc\nd' : `message ${i}`));
    const tail = layoutTimelineTail(rows, options(80), 2);
    expect(plain(tail.lines)).toEqual(['10:00 bob: a', '           b', '           c', '           d', '10:00 bob: message 4']);
    expect(tail.startOf.get('e3')).toBe(0);
  });

  it('lays out up to the row it must reach, and is complete when it reaches the first row', () => {
    const rows = history(100);
    expect(layoutTimelineTail(rows, options(80), 5, undefined, 'e10').startOf.get('e10')).toBe(0);
    // A key that is not in the timeline lays out nothing more.
    expect(layoutTimelineTail(rows, options(80), 5, undefined, 'gone').lines).toHaveLength(5);
    const all = layoutTimelineTail(rows, options(80), 500);
    expect(all.complete).toBe(true);
    expect(all.lines).toHaveLength(100);
    expect(layoutTimelineTail([], options(80), 10)).toEqual({ lines: [], startOf: new Map(), complete: true });
  });

  it('reuses a cached row until its width or its text changes', () => {
    const { cache, laidOut } = countingCache();
    const long = 'word '.repeat(20).trim();
    const rows = history(3, () => long);
    const first = layoutTimelineTail(rows, options(80), 100, cache);
    expect(laidOut()).toBe(3);
    const again = layoutTimelineTail(rows, options(80), 100, cache);
    expect(laidOut()).toBe(3);
    expect(again.lines[0]).toBe(first.lines[0]);
    // A narrower timeline: every row wraps again (the cached rows are as wide as the old width).
    const narrow = layoutTimelineTail(rows, options(40), 100, cache);
    expect(laidOut()).toBe(6);
    expect(narrow.lines.length).toBeGreaterThan(first.lines.length);
    for (const line of plain(narrow.lines)) expect(stringWidth(line)).toBeLessThanOrEqual(40);
    // An edit (the message's text as the view says): that row alone is laid out again, with the new text.
    const edited = rows.map((r, i) => (i === 1 && r.kind === 'event' ? { ...r, view: { event: r.event, text: 'short now', edited: true, deleted: false, reactions: [], replyTo: null, unknownRelation: null } } : r));
    const afterEdit = layoutTimelineTail(edited, { ...options(40), textOf: (r) => r.view?.text ?? r.event.body ?? '' }, 100, cache);
    expect(laidOut()).toBe(7);
    expect(plain(afterEdit.lines)).toContain('10:00 bob: short now (edited)');
  });
});

describe('the scroll anchor (issue 15)', () => {
  const rows = (bodies: readonly string[]): TimelineRow[] => bodies.map((b, i) => ({ kind: 'event', key: `e${i}`, event: { ...event(b), id: `id-${i}`, seq: i + 1 } }));

  it('names the timeline row and the row within it, and gives the offset that puts it on top whatever comes below', () => {
    const layout = layoutTimeline(rows(['a', 'b\nc\nd', 'e', 'f', 'g', 'h']), options(80));
    expect(anchorAt(layout, 2)).toEqual({ key: 'e1', row: 1, rows: 3 });
    expect(anchorAt(layout, 99)).toBeUndefined();
    // 8 rows, a viewport of 4: scrolled back, 3 rows above the "below" row; row 2 on top is offset 3.
    expect(viewport(8, 4, anchoredOffset(layout, { key: 'e1', row: 1, rows: 3 }, 4) ?? -1).start).toBe(2);
    const more = layoutTimeline(rows(['a', 'b\nc\nd', 'e', 'f', 'g', 'h', 'i\nj', 'k']), options(80));
    expect(anchoredOffset(more, { key: 'e1', row: 1, rows: 3 }, 4)).toBe(6);
    expect(viewport(more.lines.length, 4, 6).start).toBe(2);
    // Within the last screen: 0, the viewport follows the newest. A row no longer there: undefined.
    expect(anchoredOffset(layout, { key: 'e5', row: 0, rows: 1 }, 4)).toBe(0);
    expect(anchoredOffset(layout, { key: 'gone', row: 0, rows: 1 }, 4)).toBeUndefined();
  });

  it('on a day separator, holds the message below it, so older messages of that day loading above leave the view where it was', () => {
    const day: TimelineRow = { kind: 'day', key: 'day:2026-11-24', label: 'Today' };
    const loaded = [day, ...rows(['a', 'b', 'c', 'd', 'e', 'f']).slice(2)];
    const layout = layoutTimeline(loaded, options(80));
    // The day row on top: the anchor is the message under it, one row further down.
    const anchor = anchorAt(layout, 0);
    expect(anchor).toEqual({ key: 'e2', row: -1, rows: 1 });
    if (!anchor) return;
    // Two older messages of that day load: the separator moves above them, the view stays on "c".
    const older = layoutTimeline([day, ...rows(['a', 'b', 'c', 'd', 'e', 'f'])], options(80));
    const view = viewport(older.lines.length, 4, anchoredOffset(older, anchor, 4) ?? 0);
    expect(older.lines[view.start + 1]?.key).toBe('e2:0');
    // Laid out through the anchor's key alone, the separator right above it comes along.
    expect(layoutTimelineTail(loaded, options(80), 1, undefined, 'e2').startOf.get('day:2026-11-24')).toBe(0);
  });

  it('takes the row as far into a message laid out at another width, and lays out through several keys', () => {
    const long = rows(['x', 'word '.repeat(30).trim(), 'y']);
    const wide = layoutTimeline(long, options(80));
    const narrow = layoutTimeline(long, options(20));
    const rowsWide = (wide.startOf.get('e2') ?? 0) - (wide.startOf.get('e1') ?? 0);
    const rowsNarrow = (narrow.startOf.get('e2') ?? 0) - (narrow.startOf.get('e1') ?? 0);
    expect(rowsNarrow).toBeGreaterThan(rowsWide);
    const anchor = { key: 'e1', row: rowsWide - 1, rows: rowsWide };
    const top = viewport(narrow.lines.length, 3, anchoredOffset(narrow, anchor, 3) ?? 0).start - (narrow.startOf.get('e1') ?? 0);
    expect(top).toBe(Math.floor(((rowsWide - 1) * rowsNarrow) / rowsWide));
    const many = rows(Array.from({ length: 50 }, (_, i) => `m${i}`));
    expect(layoutTimelineTail(many, options(80), 1, undefined, ['e40', 'e10', 'gone']).startOf.get('e10')).toBe(0);
  });
});

describe('viewport', () => {
  it('follows the bottom, scrolls by rows, and reaches the first row with the "newer below" row kept', () => {
    expect(viewport(100, 10, 0)).toEqual({ start: 90, end: 100, offset: 0, maxOffset: 91, atTop: false });
    expect(viewport(100, 10, 1)).toMatchObject({ start: 90, end: 99 });
    expect(viewport(100, 10, 5)).toMatchObject({ start: 86, end: 95 });
    expect(viewport(100, 10, 10_000)).toEqual({ start: 0, end: 9, offset: 91, maxOffset: 91, atTop: true });
    expect(viewport(4, 10, 3)).toEqual({ start: 0, end: 4, offset: 0, maxOffset: 0, atTop: true });
  });
});

describe('layoutRow: the quote of a reply whose target did not open', () => {
  // On a device without the key, the quote said "message not loaded" while its target, on screen, said why.
  it('labels the quote with the notice its target shows (noticeOf)', () => {
    const e = event('yes');
    const view: MessageView = { event: e, text: 'yes', edited: false, deleted: false, unknownRelation: null, reactions: [], replyTo: { seq: 1, eventId: 't', sender: 'carol', text: null, deleted: false, source: 't' } };
    const noticeOf = (id: string) => (id === 't' ? '[sent before this device signed in]' : '[decrypting...]');
    const rows = layoutRow({ kind: 'event', key: 'e', event: e, view }, { ...options(80), noticeOf }).map((l) => l.spans.map((s) => s.text).join(''));
    expect(rows[0]).toBe('           ┌ carol: [sent before this device signed in]');
    const unloaded = { ...view, replyTo: { seq: 1, eventId: 't', sender: 'carol', text: null, deleted: false } };
    expect(layoutRow({ kind: 'event', key: 'e', event: e, view: unloaded }, { ...options(80), noticeOf }).map((l) => l.spans.map((s) => s.text).join(''))[0]).toContain('message not loaded');
  });
});

describe('markMatches', () => {
  it('marks the words a search matches across a message\'s lines and formatting, by the snippet\'s rule', () => {
    const lines = markMatches(markdownLines('we **deploy** today\nredeploying later, deployed', 'alice'), 'deploy');
    const marked = lines.map((l) => l.text.filter((s) => s.match).map((s) => s.text));
    // Whole tokens and stems, as the search panel marks them; a part of a token ("redeploying") is not a match of a plain word.
    expect(marked).toEqual([['deploy'], ['deployed']]);
    // The formatting stays on the marked piece.
    expect(lines[0]?.text.find((s) => s.match)).toMatchObject({ bold: true });
    // Text not matched, or a query that does not match, leaves the lines as they were.
    expect(markMatches(markdownLines('nothing here', 'alice'), 'deploy')).toEqual(markdownLines('nothing here', 'alice'));
  });
});
