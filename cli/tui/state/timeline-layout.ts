import type { MessageView } from '../../../shared/client/index.js';
import { neutralize, neutralizeLines, neutralizeQuote } from '../../../shared/text/neutralize.js';
import { meAction } from '../../../shared/text/action.js';
import type { BodyLine } from './markdown-spans.js';
import { markdownLines } from './markdown-spans.js';
import type { Span } from './styled-wrap.js';
import { spansWidth, truncateSpans, wrapSpans } from './styled-wrap.js';
import type { TimelineRow } from './timeline-rows.js';
import { isSeparatorKey, pendingLabel } from './timeline-rows.js';
import { localTimeFormatter } from '../../../shared/text/time-format.js';
import { pendingText } from '../../../shared/client/index.js';
import { matchText, parseQuery } from '../../../shared/search/index.js';

/**
 * One terminal row of the timeline: styled spans whose display width is at most the layout's width.
 * `key` is unique within one layout (the timeline row's key and the row's index within it).
 */
export interface LayoutLine {
  readonly key: string;
  readonly spans: readonly Span[];
}

/** What laying out the timeline needs besides its rows. */
export interface LayoutOptions {
  /** Columns of the timeline, at least 2. */
  readonly width: number;
  /** The text of a message: its body, or for private rooms what decrypting gave. */
  readonly textOf: (row: Extract<TimelineRow, { kind: 'event' }>) => string;
  /**
   * What a private message's text that did not open shows, by event id ("[decrypting...]", or the
   * opened notice in brackets), as `textOf` shows it: a reply's quote of such a text says the same.
   * Without it such a quote says "message not loaded".
   */
  readonly noticeOf?: (eventId: string) => string;
  /** This user's name, shown on their messages not yet stored; its `@mentions` are picked out. */
  readonly me: string;
  /** A message to point out (a search result jumped to). */
  readonly highlightId?: string | undefined;
  /**
   * A message whose words matching a search `query` are marked (see {@link markMatches}): the one a
   * search result jumped to, until the selection moves off it.
   */
  readonly mark?: { readonly eventId: string; readonly query: string } | undefined;
  /** `HH:MM` of an instant (local time by default; tests pass a fixed zone). */
  readonly time?: (iso: string) => string;
}

/** A message's `HH:MM` by the shared formatter (shared/text/time-format.ts), in this machine's zone. */
const localTime = (iso: string) => localTimeFormatter().time(Date.parse(iso));

/** A line of plain spans with nothing before it (pending text, tombstones, reactions). */
const bare = (text: readonly Span[]): BodyLine => ({ lead: [], hang: [], text });

/**
 * A message as rows: the prefix (time, sender, ": ") on the first row, and every row of the text —
 * the wrapped first line and all later lines — starting in the column where the text starts, so that
 * no line of a message can pose as another person's line. When the prefix is wider than half the
 * width (a long name in a narrow terminal), it gets a row of its own and the text starts at half the
 * width. A body line's `lead` (a bullet, a quote bar) starts its first row and its `hang` every
 * wrapped row after it; when they would leave fewer than 2 columns for the text they are left out.
 */
function messageLines(key: string, prefix: readonly Span[], body: readonly BodyLine[], width: number): LayoutLine[] {
  const prefixWidth = spansWidth(prefix);
  const own = prefixWidth > Math.floor(width / 2);
  const indent = own ? Math.floor(width / 2) : prefixWidth;
  const pad: Span = { text: ' '.repeat(indent), tone: 'plain' };
  const out: Span[][] = own ? [truncateSpans(prefix, width)] : [];
  const room = Math.max(1, width - indent);
  for (const line of body) {
    const leadWidth = spansWidth(line.lead);
    const fits = leadWidth + 2 <= room;
    wrapSpans(line.text, fits ? room - leadWidth : room).forEach((wrapped, i) => {
      const lead = fits ? (i === 0 ? line.lead : line.hang) : [];
      out.push(out.length === 0 ? [...prefix, ...lead, ...wrapped] : [pad, ...lead, ...wrapped]);
    });
  }
  return out.map((spans, i) => ({ key: `${key}:${i}`, spans }));
}

/** What a tombstone (a deleted message) shows in place of its text. */
export const DELETED_TEXT = 'message deleted';

/**
 * The one-line quote above a reply: "┌ sender: text", the quoted message's latest text with its
 * line breaks and runs of space folded to one space; a deleted or not loaded target says so, and a
 * loaded one whose text did not open says what that message shows (`noticeOf` its source).
 */
function quoteText(quote: NonNullable<MessageView['replyTo']>, noticeOf: LayoutOptions['noticeOf']): string {
  const unopened = quote.source !== undefined && noticeOf ? neutralize(noticeOf(quote.source)) : 'message not loaded';
  const text = quote.deleted ? DELETED_TEXT : quote.text === null ? unopened : neutralizeQuote(quote.text);
  return `┌ ${quote.sender === null ? `#${quote.seq}` : neutralize(quote.sender)}: ${text}`;
}

/**
 * A message's reactions on one line: "👍 2  🎉 1", this user's own marked with "*", one of this user's
 * still on its way (given or taken back) with "…"; empty when none.
 */
function reactionsText(view: MessageView): string {
  return view.reactions.map((r) => `${neutralize(r.key)} ${r.count}${r.mineSeq !== null ? '*' : ''}${r.pending ? '…' : ''}`).join('  ');
}

/** What follows the text of a message this user's edit or delete of is still on its way. */
export const EDIT_PENDING = ' (edit pending)';
export const DELETE_PENDING = ' (delete pending)';

/**
 * Marks (`match`) the words of a message's lines that a search `query` matches, by the rule the search
 * panel's snippets are highlighted with (shared/search matchText on the text as shown, its lines joined
 * by line breaks, stems of every language): whole tokens, the part of a token a part query matched.
 * Lines are returned unchanged when the query does not match the text as shown (markdown took the
 * matched characters out, say).
 */
export function markMatches(lines: readonly BodyLine[], query: string): BodyLine[] {
  const texts = lines.map((l) => l.text.map((s) => s.text).join(''));
  const ranges = matchText(texts.join('\n'), parseQuery(query), { language: 'all' })?.ranges ?? [];
  if (ranges.length === 0) return [...lines];
  let offset = 0;
  return lines.map((line, i) => {
    const start = offset;
    offset += (texts[i] ?? '').length + 1;
    const out: Span[] = [];
    let at = start;
    for (const span of line.text) {
      const end = at + span.text.length;
      // Cut points within the span: where a range starts or ends inside it.
      const cuts = [at, ...ranges.flatMap(([s, e]) => [s, e]).filter((c) => c > at && c < end), end].sort((a, b) => a - b);
      for (let k = 0; k + 1 < cuts.length; k++) {
        const [from, to] = [cuts[k] as number, cuts[k + 1] as number];
        if (from === to) continue;
        const piece = span.text.slice(from - at, to - at);
        const hit = ranges.some(([s, e]) => from >= s && to <= e);
        out.push(hit ? { ...span, text: piece, match: true } : { ...span, text: piece });
      }
      at = end;
    }
    return { ...line, text: out };
  });
}

/**
 * A message's body rows with its relations applied: the text (or the tombstone of a deleted
 * message) with "(edited)" after an edited one, then its reactions on a line of their own.
 */
function viewBody(text: string, view: MessageView | undefined, me: string, query?: string): BodyLine[] {
  const lines = (t: string) => (query === undefined ? markdownLines(t, me) : markMatches(markdownLines(t, me), query));
  if (!view) return lines(text);
  const pendingEdit = view.pendingText !== undefined && !view.deleted;
  const body: BodyLine[] = view.deleted ? [bare([{ text: DELETED_TEXT, tone: 'dim' }])] : lines(pendingEdit ? (view.pendingText ?? text) : text);
  const last = body[body.length - 1];
  const marks: Span[] = [];
  if (view.edited && !view.deleted && !pendingEdit) marks.push({ text: ' (edited)', tone: 'dim' });
  if (pendingEdit) marks.push({ text: EDIT_PENDING, tone: 'dim' });
  if (view.pendingDelete && !view.deleted) marks.push({ text: DELETE_PENDING, tone: 'dim' });
  if (marks.length > 0 && last) body[body.length - 1] = { ...last, text: [...last.text, ...marks] };
  const reactions = view.deleted ? '' : reactionsText(view);
  if (reactions !== '') body.push(bare([{ text: reactions, tone: 'accent' }]));
  return body;
}

/**
 * One timeline row as terminal rows at `options.width` columns: a day separator or the "new" marker
 * on one row (cut with "…" if too wide), a message or a pending message wrapped (see
 * {@link wrapSpans}) with its continuation rows indented under the text, a join/leave line wrapped
 * likewise. Text from the server is neutralized here.
 */
export function layoutRow(row: TimelineRow, options: LayoutOptions): LayoutLine[] {
  const { width } = options;
  const time = options.time ?? localTime;
  switch (row.kind) {
    case 'day':
      return [{ key: `${row.key}:0`, spans: truncateSpans([{ text: `── ${row.label} ──`, tone: 'dim' }], width) }];
    case 'new':
      return [{ key: `${row.key}:0`, spans: truncateSpans([{ text: '── new ──', tone: 'error' }], width) }];
    case 'pending': {
      const m = row.message;
      const me = neutralize(options.me);
      const prefix: Span[] = [
        { text: `${time(new Date(m.queuedAt).toISOString())} `, tone: 'dim' },
        { text: me, tone: 'sender', sender: options.me },
        { text: ': ', tone: 'dim' },
      ];
      const body: BodyLine[] = neutralizeLines(pendingText(m)).map((line) => bare([{ text: line, tone: 'dim' }]));
      const label: Span = { text: ` ${pendingLabel(m)}`, tone: m.status === 'failed' ? 'error' : 'dim' };
      const last = body[body.length - 1];
      if (last) body[body.length - 1] = { ...last, text: [...last.text, label] };
      return messageLines(row.key, prefix, body, width);
    }
    case 'event': {
      const e = row.event;
      const who = neutralize(e.sender.username);
      if (e.kind !== 'message') {
        const what = e.kind === 'join' ? 'joined' : e.kind === 'leave' ? 'left' : `removed ${neutralize(e.target?.username ?? 'someone')}`;
        return messageLines(row.key, [{ text: `${time(e.createdAt)}  `, tone: 'dim' }], [bare([{ text: `${who} ${what}`, tone: 'dim' }])], width);
      }
      const text = options.textOf(row);
      // A `/me` action as an action: `* alice waves` (chat read and the web show it alike).
      const action = row.view?.deleted ? null : meAction(text);
      const prefix: Span[] = [
        ...(e.id === options.highlightId ? [{ text: '▶ ', tone: 'accent' } as const] : []),
        { text: `${time(e.createdAt)} `, tone: 'dim' },
        ...(action !== null ? [{ text: '* ', tone: 'plain' } as const] : []),
        { text: who, tone: 'sender', sender: e.sender.username },
        { text: action !== null ? ' ' : ': ', tone: 'plain' },
      ];
      const query = options.mark?.eventId === e.id ? options.mark.query : undefined;
      const lines = messageLines(row.key, prefix, viewBody(action ?? text, row.view, options.me, query), width);
      const quote = row.view?.replyTo;
      if (!quote) return lines;
      // The quote starts where the text does (as far as half the width), on a row of its own above.
      const indent = Math.min(spansWidth(prefix), Math.floor(width / 2));
      const quoteLine: LayoutLine = { key: `${row.key}:q`, spans: truncateSpans([{ text: ' '.repeat(indent), tone: 'plain' }, { text: quoteText(quote, options.noticeOf), tone: 'dim' }], width) };
      return [quoteLine, ...lines];
    }
    default: {
      const unreachable: never = row;
      return unreachable;
    }
  }
}

/** Where laid-out rows are kept between layouts (a Map, or an LRU cache to bound it). */
export interface LayoutCache {
  get(key: string): LayoutLine[] | undefined;
  set(key: string, lines: LayoutLine[]): unknown;
}

/** A laid-out timeline: every terminal row, and where each timeline row's first terminal row is. */
export interface TimelineLayout {
  readonly lines: readonly LayoutLine[];
  /** A timeline row's key → the index in `lines` of its first row. */
  readonly startOf: ReadonlyMap<string, number>;
}

/**
 * The whole timeline as terminal rows (see {@link layoutRow}). `cache` (optional) keeps each row's
 * rows between calls, keyed by what they depend on, so a new message lays out one row, not all.
 */
export function layoutTimeline(rows: readonly TimelineRow[], options: LayoutOptions, cache?: LayoutCache): TimelineLayout {
  return joinRows(rows.map((row) => cachedRow(row, options, cache)), rows);
}

/** A laid-out part of a timeline, its newest rows (see {@link layoutTimelineTail}). */
export interface TimelineTail extends TimelineLayout {
  /** Whether every row of the timeline is laid out: then `lines` is the whole timeline. */
  readonly complete: boolean;
}

/**
 * The newest rows of a timeline as terminal rows (see {@link layoutRow}): timeline rows are laid out
 * from the last one up, whole, until at least `minLines` terminal rows are laid out, and up to the rows
 * keyed `through` (one key or several) too, those that are in `rows`, with the separators right above
 * the last of them (see isSeparatorKey); the rows above are not looked at. Indices in `lines` and
 * `startOf` count from the first row laid out, so a position counted from the bottom (a scroll
 * offset, see {@link viewport}) is the same as in {@link layoutTimeline}'s layout of every row.
 * A screen needs the rows it shows, plus enough above them that a viewport computed over this tail
 * is the one over the whole timeline: `viewport(tail.lines.length, height, offset)` is when the tail
 * is complete or has at least `offset + 2 * height` rows, and then its `maxOffset` is at least
 * `offset + height`, so a scroll of up to a page clamped to it is clamped as by the whole timeline's.
 * A new batch of opened messages thus costs the rows near the bottom, not the whole history.
 */
export function layoutTimelineTail(rows: readonly TimelineRow[], options: LayoutOptions, minLines: number, cache?: LayoutCache, through?: string | readonly string[]): TimelineTail {
  const asked = new Set(through === undefined ? [] : typeof through === 'string' ? [through] : through);
  const wanted = new Set(rows.filter((r) => asked.has(r.key)).map((r) => r.key));
  const laid: LayoutLine[][] = [];
  let count = 0;
  let first = rows.length;
  // Whether the rows laid out last are a `through` row and separators above it: the separators right
  // above such a row come along (a scroll anchor may point above its row, to them; see anchorAt).
  let held = false;
  while (first > 0 && (count < minLines || wanted.size > 0 || (held && isSeparatorKey((rows[first - 1] as TimelineRow).key)))) {
    first -= 1;
    const row = rows[first] as TimelineRow;
    const lines = cachedRow(row, options, cache);
    laid.push(lines);
    count += lines.length;
    held = wanted.has(row.key) || (held && isSeparatorKey(row.key));
    wanted.delete(row.key);
  }
  return { ...joinRows(laid.reverse(), rows.slice(first)), complete: first === 0 };
}

/** A row's terminal rows, from `cache` when it has them (keyed by what they depend on). */
function cachedRow(row: TimelineRow, options: LayoutOptions, cache: LayoutCache | undefined): LayoutLine[] {
  if (!cache) return layoutRow(row, options);
  const id = cacheKey(row, options);
  let lines = cache.get(id);
  if (!lines) {
    lines = layoutRow(row, options);
    cache.set(id, lines);
  }
  return lines;
}

/** Consecutive rows' terminal rows as one layout (`laid[i]` are `rows[i]`'s). */
function joinRows(laid: readonly LayoutLine[][], rows: readonly TimelineRow[]): TimelineLayout {
  const lines: LayoutLine[] = [];
  const startOf = new Map<string, number>();
  laid.forEach((rowLines, i) => {
    startOf.set((rows[i] as TimelineRow).key, lines.length);
    for (const line of rowLines) lines.push(line);
  });
  return { lines, startOf };
}

/** Everything a row's layout depends on. */
function cacheKey(row: TimelineRow, options: LayoutOptions): string {
  const base = `${options.width}\u0000${row.key}`;
  switch (row.kind) {
    case 'day':
      return `${base}\u0000${row.label}`;
    case 'new':
      return base;
    case 'pending':
      return `${base}\u0000${options.me}\u0000${row.message.status}\u0000${pendingLabel(row.message)}\u0000${pendingText(row.message)}`;
    case 'event':
      return `${base}\u0000${options.me}\u0000${row.event.id === options.highlightId}\u0000${options.mark?.eventId === row.event.id ? options.mark.query : ''}\u0000${row.event.kind === 'message' ? options.textOf(row) : row.event.kind}\u0000${viewKey(row.view, options)}`;
    default: {
      const unreachable: never = row;
      return unreachable;
    }
  }
}

/** What of a message's view its layout depends on. */
function viewKey(view: MessageView | undefined, options: LayoutOptions): string {
  if (!view) return '';
  return [view.deleted, view.edited, reactionsText(view), view.replyTo ? quoteText(view.replyTo, options.noticeOf) : '', view.pendingText ?? '', view.pendingDelete ?? false].join('\u0000');
}

/** Which terminal rows of a timeline a viewport shows. */
export interface Viewport {
  /** Index of the first shown row in the layout's lines. */
  readonly start: number;
  /** One past the last shown row. */
  readonly end: number;
  /** The offset actually used (the one asked for, clamped to 0…maxOffset). */
  readonly offset: number;
  /** The largest offset: scrolled up that many rows, the first row is at the top (0 when all rows fit). */
  readonly maxOffset: number;
  /** Whether the first row of the layout is shown. */
  readonly atTop: boolean;
}

/**
 * The rows a viewport of `height` rows shows when scrolled `offset` rows up from the bottom (0:
 * following the newest). Scrolled back (offset > 0), the last row of the viewport is kept for the
 * "newer messages below" line, so `height - 1` rows of the timeline show.
 */
export function viewport(total: number, height: number, offset: number): Viewport {
  // Scrolled back, one row less shows: the top offset is one further up than total - height.
  const maxOffset = total <= height ? 0 : total - Math.max(1, height - 1);
  const clamped = Math.min(Math.max(0, Math.floor(offset)), maxOffset);
  const room = clamped > 0 ? Math.max(0, height - 1) : height;
  const end = total - clamped;
  const start = Math.max(0, end - room);
  return { start, end, offset: clamped, maxOffset, atTop: start === 0 };
}

/**
 * A place in the timeline that stays put while rows below it come, change or go, and across a
 * re-layout at another width: a timeline row's key, and which of its terminal rows (`row` of the
 * `rows` it had when the anchor was taken).
 */
export interface ScrollAnchor {
  readonly key: string;
  readonly row: number;
  readonly rows: number;
}

/** The index just past the last terminal row of the timeline row whose first row is `start` (its keys are `key:…`). */
function rowEnd(lines: readonly LayoutLine[], key: string, start: number): number {
  let end = start;
  while (end < lines.length && (lines[end] as LayoutLine).key.startsWith(`${key}:`)) end += 1;
  return Math.max(end, start + 1);
}

/**
 * The anchor of terminal row `index` of a layout (the top row of a viewport): the timeline row it
 * belongs to and its place within it. On a separator (a day's or the "new" marker, see
 * isSeparatorKey) the anchor is the first message row below it instead, with `row` negative (how many
 * rows above that message's first the index is): a day's separator moves up when older messages of
 * that day load above it, and a view held to it would follow it up to the room's start. Undefined when
 * `index` is not a row of the layout.
 */
export function anchorAt(layout: TimelineLayout, index: number): ScrollAnchor | undefined {
  if (index < 0 || index >= layout.lines.length) return undefined;
  let found: [string, number] | undefined;
  let below: [string, number] | undefined;
  for (const entry of layout.startOf) {
    if (entry[1] <= index) found = entry;
    else if (found && isSeparatorKey(found[0]) && !isSeparatorKey(entry[0])) {
      below = entry;
      break;
    } else if (!found || !isSeparatorKey(found[0])) break;
  }
  if (!found) return undefined;
  const [key, start] = below ?? found;
  return { key, row: index - start, rows: rowEnd(layout.lines, key, start) - start };
}

/**
 * The scroll offset (rows from the bottom, see {@link viewport}) that puts `anchor` on the top row of
 * a scrolled-back viewport of `height` rows over `layout`: rows added, grown or taken away below it
 * do not move it. When its timeline row now has another number of terminal rows (laid out at another
 * width), the row as far into it proportionally is taken, so going back to the first width gives the
 * first row back. 0 when the anchor is within the last screen (the viewport follows the newest again);
 * undefined when its timeline row is not in the layout.
 */
export function anchoredOffset(layout: TimelineLayout, anchor: ScrollAnchor, height: number): number | undefined {
  const start = layout.startOf.get(anchor.key);
  if (start === undefined) return undefined;
  const rows = rowEnd(layout.lines, anchor.key, start) - start;
  // Above the row (anchored below a separator, see anchorAt): as many rows above it, whatever its height.
  const row = anchor.row < 0 ? anchor.row : Math.min(rows - 1, Math.floor((anchor.row * rows) / Math.max(1, anchor.rows)));
  // Scrolled back, the viewport shows height - 1 rows above its "newer messages below" line.
  return Math.max(0, layout.lines.length - (start + row + Math.max(1, height - 1)));
}
