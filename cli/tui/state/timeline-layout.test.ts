import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import type { MessageView } from '../../../shared/client/index.js';
import type { RoomEvent } from '../../../shared/protocol/index.js';
import { layoutRow, layoutTimeline, viewport } from './timeline-layout.js';

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
