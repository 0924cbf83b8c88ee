import fc from 'fast-check';
import { render } from 'ink-testing-library';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import type { RoomEvent } from '../../../shared/protocol/index.js';
import { markdownLines } from '../state/markdown-spans.js';
import { truncateSpans } from '../state/styled-wrap.js';
import { THEMES } from '../state/theme.js';
import type { LayoutLine } from '../state/timeline-layout.js';
import { scrollToShow } from '../state/message-actions.js';
import { anchorAt, anchoredOffset, layoutTimeline, layoutTimelineTail, viewport } from '../state/timeline-layout.js';
import { timelineRows } from '../state/timeline-rows.js';
import { Timeline } from './timeline.js';

const FAMILY = '\u{1F468}\u200d\u{1F469}\u200d\u{1F467}\u200d\u{1F466}';
/** Pieces that wrapping gets wrong when it counts UTF-16 units or code points, or ignores words. */
const piece = fc.oneof(
  fc.constantFrom('a', 'word ', ' ', '  ', '\n', '\t', '漢字', 'カタカナ ', '한국어 ', FAMILY, '👍🏽', '🇯🇵', 'e\u0301', 'a\u0308\u0323', '\u0915\u094d\u0937', 'x'.repeat(45), 'https://example.com/a/very/long/path/that/does/not/fit/anywhere?q=1&r=2 '),
  // Markdown: marks, block starts (a quote, a list, a fence) and a link whose target is shown after it.
  fc.constantFrom('**', '_', '~~', '`', '\n> ', '\n- ', '\n1. ', '\n```\n', '    ', '[a link](https://example.com/x) ', '<b>', '\u001b[31m'),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);
const body = fc.array(piece, { minLength: 1, maxLength: 40 }).map((p) => p.join(''));
const manyLines = fc.integer({ min: 2, max: 120 }).map((n) => Array.from({ length: n }, (_, i) => `line ${i + 1}`).join('\n'));
const username = fc.stringMatching(/^[a-z0-9][a-z0-9_.-]{2,31}$/);

const events = fc.array(fc.tuple(username, fc.oneof(body, body, manyLines), fc.constantFrom('message', 'message', 'message', 'join')), { minLength: 0, maxLength: 12 }).map((list) =>
  list.map(([name, text, kind], i): RoomEvent => ({
    id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
    roomId: 'r',
    seq: i + 1,
    kind: kind as 'message' | 'join',
    sender: { id: `u-${name}`, username: name },
    body: kind === 'message' ? text : null,
    envelope: null,
    target: null,
    clientMsgId: null,
    createdAt: new Date(Date.UTC(2026, 10, 24 + Math.floor(i / 5), 10, i)).toISOString(),
  })),
);

const textOfLine = (line: LayoutLine) => line.spans.map((s) => s.text).join('');
/** The frame as plain text rows, colours removed. */
const rowsOf = (frame: string | undefined) => (frame ?? '').replace(/\u001b\[[0-9;]*m/g, '').split('\n');

describe('the timeline as drawn', () => {
  it('shows exactly the rows the layout says, none wider than the timeline, for random timelines and sizes', () => {
    fc.assert(
      fc.property(events, fc.integer({ min: 20, max: 120 }), fc.integer({ min: 3, max: 40 }), fc.nat({ max: 400 }), (evs, width, height, offset) => {
        const rows = timelineRows(evs, { readSeq: Math.floor(evs.length / 2), now: Date.UTC(2026, 10, 27), timeZone: 'UTC' });
        const layout = layoutTimeline(rows, { width, me: 'alice', textOf: (r) => r.event.body ?? '', time: (iso) => iso.slice(11, 16) });
        for (const line of layout.lines) expect(stringWidth(textOfLine(line))).toBeLessThanOrEqual(width);
        const view = viewport(layout.lines.length, height, offset);
        const shown = layout.lines.slice(view.start, view.end);
        const { lastFrame, unmount } = render(<Timeline lines={shown} width={width} height={height} theme={THEMES.dark} scrolledBack={view.offset > 0} />);
        const frame = rowsOf(lastFrame());
        unmount();
        const expected = [...shown.map((l) => textOfLine(l).trimEnd())];
        while (expected.length < (view.offset > 0 ? height - 1 : height)) expected.push('');
        if (view.offset > 0) expected.push(truncateSpans([{ text: '↓ newer messages below (PgDn)', tone: 'dim' }], width).map((s) => s.text).join(''));
        // Row for row: nothing wraps into the next row, nothing is missing, nothing is drawn twice.
        expect(frame).toEqual(expected);
      }),
      { numRuns: 60 },
    );
    // Each run renders through Ink: slow on a loaded machine, so a longer limit than the default.
  }, 120_000);

  it('shows the same rows from the newest rows laid out as from the whole layout, and scrolls a row into view alike', () => {
    fc.assert(
      fc.property(events, fc.integer({ min: 20, max: 120 }), fc.integer({ min: 3, max: 40 }), fc.nat({ max: 400 }), fc.nat(), (evs, width, height, offset, pick) => {
        const rows = timelineRows(evs, { readSeq: Math.floor(evs.length / 2), now: Date.UTC(2026, 10, 27), timeZone: 'UTC' });
        const options = { width, me: 'alice', textOf: (r: { event: RoomEvent }) => r.event.body ?? '', time: (iso: string) => iso.slice(11, 16) };
        const full = layoutTimeline(rows, options);
        // What the app asks for: the rows of the offset and two screens more.
        const tail = layoutTimelineTail(rows, options, offset + 2 * height, undefined);
        const whole = viewport(full.lines.length, height, offset);
        const part = viewport(tail.lines.length, height, offset);
        expect(tail.lines.map(textOfLine)).toEqual(full.lines.slice(full.lines.length - tail.lines.length).map(textOfLine));
        expect(tail.lines.slice(part.start, part.end)).toEqual(full.lines.slice(whole.start, whole.end));
        expect({ offset: part.offset, atTop: part.atTop }).toEqual({ offset: whole.offset, atTop: whole.atTop });
        // A scroll of up to a screen, clamped to the tail's largest offset, is clamped as by the whole.
        for (const step of [1, 3, height - 2]) expect(Math.min(part.maxOffset, whole.offset + step)).toBe(Math.min(whole.maxOffset, whole.offset + step));
        // A message to keep in view (the selection): laid out through it, it scrolls to the same offset.
        const target = rows[pick % Math.max(1, rows.length)];
        if (!target) return;
        const through = layoutTimelineTail(rows, options, offset + 2 * height, undefined, target.key);
        const span = (l: typeof full, key: string) => {
          const i = rows.findIndex((r) => r.key === key);
          const next = rows[i + 1];
          const start = l.startOf.get(key) ?? -1;
          return { start, end: (next ? l.startOf.get(next.key) : undefined) ?? l.lines.length };
        };
        const a = span(full, target.key);
        const b = span(through, target.key);
        expect(scrollToShow(through.lines.length, height, part.offset, b.start, b.end)).toBe(scrollToShow(full.lines.length, height, whole.offset, a.start, a.end));
      }),
      { numRuns: 300 },
    );
  });

  it('lays out every character of a formatted message, in order, under its text column', () => {
    fc.assert(
      fc.property(events, fc.integer({ min: 20, max: 120 }), (evs, width) => {
        for (const event of evs.filter((e) => e.kind === 'message')) {
          const row = { kind: 'event' as const, key: `e:${event.id}`, event };
          const lines = layoutTimeline([row], { width, me: 'alice', textOf: () => event.body ?? '', time: (iso) => iso.slice(11, 16) }).lines.map(textOfLine);
          const prefix = `${event.createdAt.slice(11, 16)} ${event.sender.username}: `;
          const ownRow = stringWidth(prefix) > Math.floor(width / 2);
          const indent = ownRow ? Math.floor(width / 2) : stringWidth(prefix);
          const text = (ownRow ? lines.slice(1) : [lines[0]?.slice(prefix.length) ?? '', ...lines.slice(1)]).map((l, i) => {
            // Continuation rows start with exactly the indent, so no row can pose as another message.
            if (ownRow || i > 0) expect(l.slice(0, indent)).toBe(' '.repeat(indent));
            return ownRow || i > 0 ? l.slice(indent) : l;
          });
          const squeeze = (s: string) => s.replace(/\s+/g, '');
          // What the formatted lines say (marks gone, bullets and link targets added), with the bars
          // that quotes and code blocks repeat on wrapped rows left out on both sides.
          const formatted = markdownLines(event.body ?? '', 'alice').map((l) => [...l.lead, ...l.text].map((s) => s.text).join(''));
          const bars = (s: string) => s.replace(/[┃│]/g, '');
          expect(bars(squeeze(text.join('')))).toBe(bars(squeeze(formatted.join(''))));
          // Nothing from the message can start an escape sequence.
          expect(text.join('')).not.toContain('\u001b');
        }
      }),
      { numRuns: 100 },
    );
  });

  // Issue 15: scrolled back, the offset was counted from the bottom, so each message that came (or an
  // edit below the view that changed its height) moved the rows on screen, and a resize lost the place.
  const opts = (width: number) => ({ width, me: 'alice', textOf: (r: { event: RoomEvent }) => r.event.body ?? '', time: (iso: string) => iso.slice(11, 16) });
  const rowsFor = (evs: RoomEvent[]) => timelineRows(evs, { readSeq: evs.length, now: Date.UTC(2026, 10, 27), timeZone: 'UTC' });

  it('scrolled back, shows the same rows while messages come below and messages below the view change height', () => {
    fc.assert(
      fc.property(events, events, fc.integer({ min: 20, max: 120 }), fc.integer({ min: 3, max: 40 }), fc.integer({ min: 1, max: 400 }), body, (evs, more, width, height, offset, edit) => {
        const before = layoutTimelineTail(rowsFor(evs), opts(width), offset + 2 * height);
        const view = viewport(before.lines.length, height, offset);
        fc.pre(view.offset > 0);
        const anchor = anchorAt(before, view.start);
        expect(anchor).toBeDefined();
        if (!anchor) return;
        // The messages whose rows are all below the view are edited; new ones (their seq after the last) come.
        const below = new Set([...before.startOf].filter(([, start]) => start >= view.end).map(([key]) => key));
        const edited = evs.map((e) => (below.has(`e:${e.id}`) && e.kind === 'message' ? { ...e, body: edit } : e));
        const came = more.map((e, i) => ({ ...e, id: `10000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`, seq: evs.length + i + 1, createdAt: new Date(Date.UTC(2026, 10, 26, 12, i)).toISOString() }));
        const after = layoutTimelineTail(rowsFor([...edited, ...came]), opts(width), 2 * height, undefined, anchor.key);
        const offsetAfter = anchoredOffset(after, anchor, height);
        // The anchored row's place now (a negative row: that many rows above its message, a separator).
        const top = (after.startOf.get(anchor.key) ?? Number.NaN) + anchor.row;
        // (Scrolled back, a viewport shows height - 1 rows above its "newer messages below" line.)
        if (after.lines.length - top <= Math.max(1, height - 1)) {
          // Edits below took rows away until the anchored row is within the last screen: the view
          // follows the newest again (what was on screen is all still on it, lower down).
          expect(offsetAfter).toBe(0);
          return;
        }
        if (after.lines.length <= height) {
          // Edits below took so many rows away that the whole history fits on one screen: nothing is
          // scrolled (the viewport shows every row), and what was on screen is all still on it.
          expect(viewport(after.lines.length, height, offsetAfter ?? 0).offset).toBe(0);
          expect(after.lines.map(textOfLine).join('\n')).toContain(before.lines.slice(view.start, view.end).map(textOfLine).join('\n'));
          return;
        }
        expect(offsetAfter).toBeGreaterThan(0);
        const now = viewport(after.lines.length, height, offsetAfter ?? 0);
        expect(now.end - now.start).toBe(view.end - view.start);
        expect(after.lines.slice(now.start, now.end).map(textOfLine)).toEqual(before.lines.slice(view.start, view.end).map(textOfLine));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the row at the top of a scrolled-back view at the top across a resize, and gives the same view back at the first size', () => {
    fc.assert(
      fc.property(events, fc.integer({ min: 20, max: 120 }), fc.integer({ min: 3, max: 40 }), fc.integer({ min: 20, max: 120 }), fc.integer({ min: 3, max: 40 }), fc.integer({ min: 1, max: 400 }), (evs, width, height, width2, height2, offset) => {
        const rows = rowsFor(evs);
        const first = layoutTimelineTail(rows, opts(width), offset + 2 * height);
        const view = viewport(first.lines.length, height, offset);
        fc.pre(view.offset > 0);
        const anchor = anchorAt(first, view.start);
        if (!anchor) throw new Error('no anchor for a row of the layout');
        const resized = layoutTimelineTail(rows, opts(width2), 2 * height2, undefined, anchor.key);
        const offset2 = anchoredOffset(resized, anchor, height2);
        // Within the last screen at the new size, the view follows the newest instead.
        if (offset2 !== undefined && offset2 > 0) {
          const start = viewport(resized.lines.length, height2, offset2).start;
          // Taken on a separator, the anchor is the message below it, as many rows down as it was.
          if (anchor.row < 0) expect(resized.startOf.get(anchor.key)).toBe(start - anchor.row);
          else expect(resized.lines[start]?.key.startsWith(`${anchor.key}:`)).toBe(true);
        }
        const back = layoutTimelineTail(rows, opts(width), 2 * height, undefined, anchor.key);
        const again = viewport(back.lines.length, height, anchoredOffset(back, anchor, height) ?? 0);
        expect(back.lines.slice(again.start, again.end).map(textOfLine)).toEqual(first.lines.slice(view.start, view.end).map(textOfLine));
      }),
      { numRuns: 300 },
    );
  });
});
