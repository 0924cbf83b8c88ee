import stringWidth from 'string-width';
import { neutralize } from '../../../shared/text/neutralize.js';
import { graphemeSegments, isSureBoundary } from '../../../shared/text/graphemes.js';
import type { EditorState } from './line-editor.js';
import { changeOf } from './line-editor.js';

/** One screen row of the composer; the cursor's row says where the cursor is. */
export interface ComposerRow {
  /** The row's text, shown as is (already neutral). */
  readonly text: string;
  /** On the cursor's row: the text before the cursor, the grapheme under it ('' at a line end), and after. */
  readonly cursor: { readonly before: string; readonly at: string; readonly after: string } | null;
}

/** The rows that show, with how many rows are hidden above and below them. */
export interface ComposerView {
  readonly rows: readonly ComposerRow[];
  readonly above: number;
  readonly below: number;
  /**
   * How many lines of the text this call broke into graphemes and measured (the rest were plain
   * ASCII, counted by arithmetic, or known from `cache`): the work that grows with the text.
   */
  readonly measuredLines: number;
  /**
   * How many graphemes this call measured to find where rows break (an edited line is flowed again
   * only from the row the edit touched until its rows rejoin the old ones).
   */
  readonly measuredGraphemes: number;
  /**
   * How many lines of the text this call looked at (split out, checked, given a place): every line
   * when the text is laid out afresh; after an edit of the text the cache last saw, only the lines
   * the edit touched and those after them.
   */
  readonly scannedLines: number;
}

/**
 * Where the lines of a composer's text break into rows at one width, kept between calls so that a
 * key measures only the lines it changed: a line's row starts (UTF-16 offsets into the line) by its
 * text. Make one per composer with {@link createComposerLayoutCache}; `lines` holds only the lines of
 * the last text it laid out whole (an edit's lines are not added: see `composerView`).
 */
export interface ComposerLayoutCache {
  width: number;
  lines: Map<string, readonly number[]>;
  /** The last text laid out whole, and its layout: a second call for the same text reuses it. */
  text: string | null;
  layout: readonly LineLayout[];
  total: number;
  /** The cursor with that text: where the next edit most likely starts. */
  cursor: number;
}

/** One line of the text: where it starts in the text, where its rows start in it, its first row. */
interface LineLayout {
  readonly line: string;
  readonly offset: number;
  readonly starts: readonly number[];
  readonly firstRow: number;
}

/** An empty {@link ComposerLayoutCache}. */
export const createComposerLayoutCache = (): ComposerLayoutCache => ({ width: 0, lines: new Map(), text: null, layout: [], total: 0, cursor: 0 });

/** A grapheme as shown: a tab as two spaces, a control character in caret form (see neutralize). */
const shown = (g: string): string => {
  const code = g.length === 1 ? g.charCodeAt(0) : 0;
  // Printable ASCII shows as it is (the common case, asked for every grapheme of every row shown).
  if (code >= 0x20 && code <= 0x7e) return g;
  return g === '\t' ? '  ' : neutralize(g);
};

const widths = new Map<string, number>();
/**
 * A grapheme's width in columns as shown, remembered (string-width segments and matches emoji on
 * every call, tens of microseconds a grapheme).
 */
function widthOf(g: string): number {
  const code = g.length === 1 ? g.charCodeAt(0) : 0;
  if (code >= 0x20 && code <= 0x7e) return 1;
  let w = widths.get(g);
  if (w === undefined) {
    if (widths.size >= 10_000) widths.clear();
    w = stringWidth(shown(g));
    widths.set(g, w);
  }
  return w;
}

/** Printable ASCII only: every character is one grapheme one column wide, shown as it is. */
const ASCII = /^[\x20-\x7e]*$/;

/**
 * Row starts of `line` at width `w`, flowing from offset `from` (a row start, with `starts` the row
 * starts before it) to the line's end, or until `stop(start)` says a new row start joins a known
 * layout (then the flow ends there, that start not added). Adds to `work.graphemes` the graphemes it measured.
 */
function flow(line: string, w: number, from: number, starts: number[], work: { graphemes: number }, stop?: (start: number) => boolean): { starts: number[]; stoppedAt: number | null } {
  starts.push(from);
  let used = 0;
  for (const { segment, index } of graphemeSegments(line, from)) {
    const gw = widthOf(segment);
    work.graphemes += 1;
    if (used + gw > w - 1 && index > (starts.at(-1) ?? 0)) {
      if (stop?.(index)) return { starts, stoppedAt: index };
      starts.push(index);
      used = 0;
    }
    used += gw;
  }
  return { starts, stoppedAt: null };
}

/** The row starts of a line `w` columns wide (one column is kept free for the cursor block). */
function rowStarts(line: string, w: number, work: { graphemes: number }): number[] {
  if (ASCII.test(line)) {
    const starts = [0];
    for (let at = w - 1; at < line.length; at += w - 1) starts.push(at);
    return starts;
  }
  return flow(line, w, 0, [], work).starts;
}

/**
 * The row starts of `line`, an edit of `old` (whose row starts at this width are `oldStarts`), found by
 * flowing only the rows the edit touched: the rows that end well before the first changed offset (and
 * the row after them) are kept, and the flow stops at the first new row start in the unchanged tail that is a sure grapheme
 * boundary (in both texts) and, shifted back by the edit's change of length, an old row start (from there on the rows
 * are the old ones, shifted). So a key in a line of thousands of emoji measures a row or two, not the line.
 */
function reflow(old: string, oldStarts: readonly number[], line: string, w: number, work: { graphemes: number }): number[] {
  const max = Math.min(old.length, line.length);
  let prefix = 0;
  while (prefix < max && old.charCodeAt(prefix) === line.charCodeAt(prefix)) prefix += 1;
  let suffix = 0;
  while (suffix < max - prefix && old.charCodeAt(old.length - 1 - suffix) === line.charCodeAt(line.length - 1 - suffix)) suffix += 1;
  const delta = line.length - old.length;
  // A row start two code units or more before the change is still a boundary, with the same graphemes
  // before it; a row breaks where its next grapheme does not fit, so the row before that one may take
  // more or fewer of them now: the flow starts again one row earlier.
  let r = 0;
  while (r + 1 < oldStarts.length && (oldStarts[r + 1] ?? Infinity) + 2 <= prefix) r += 1;
  r = Math.max(0, r - 1);
  const kept = oldStarts.slice(0, r);
  const tailFrom = line.length - suffix;
  const oldIndex = new Map<number, number>();
  oldStarts.forEach((start, i) => {
    if (start >= old.length - suffix) oldIndex.set(start, i);
  });
  const { starts, stoppedAt } = flow(line, w, oldStarts[r] ?? 0, kept, work, (start) => start >= tailFrom && oldIndex.has(start - delta) && isSureBoundary(line, start) && isSureBoundary(old, start - delta));
  if (stoppedAt === null) return starts;
  for (let i = oldIndex.get(stoppedAt - delta) ?? oldStarts.length; i < oldStarts.length; i++) starts.push((oldStarts[i] ?? 0) + delta);
  return starts;
}

/** How many lines `text` has (newlines + 1), without splitting it. */
function countLines(text: string): number {
  let n = 1;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) n += 1;
  return n;
}

/**
 * Where `state.text` differs from `old` in whole lines: from the edit that made it (see `changeOf`)
 * when that edit was of `old`, or else looked for around the cursors (an edit is at the cursor it
 * started from or the one it left): `old` is `P + X + S` and the text `P + Y + S`, where `P` ends
 * a line (or is empty) and `S` starts with a line break (or is empty). Answers the offset `P` ends
 * at, where `X` ends in `old` and `Y` in `text`, and `old`'s length; null when the texts differ
 * outside the lines around the cursors (a text replaced whole). Without the edit, the two ends are compared natively
 * (`startsWith`, `endsWith`), so no line of the text is split out or copied.
 */
function editedLines(old: string, state: EditorState, oldCursor: number): { start: number; oldEnd: number; newEnd: number; oldLength: number } | null {
  const { text, cursor } = state;
  // Made by an edit of this very text (the usual case, a key): where is known, nothing to compare.
  const change = changeOf(state);
  if (change && change.base === old) {
    const start = change.at === 0 ? 0 : text.lastIndexOf('\n', change.at - 1) + 1;
    const lineEnd = text.indexOf('\n', change.at + change.inserted);
    const newEnd = lineEnd < 0 ? text.length : lineEnd;
    return { start, oldEnd: newEnd - change.inserted + change.removed, newEnd, oldLength: old.length };
  }
  const a = Math.min(oldCursor, cursor, text.length);
  const b = Math.min(Math.max(oldCursor, cursor), text.length);
  const start = a === 0 ? 0 : text.lastIndexOf('\n', a - 1) + 1;
  const lineEnd = text.indexOf('\n', b);
  const newEnd = lineEnd < 0 ? text.length : lineEnd;
  const tail = text.length - newEnd;
  if (start + tail > old.length) return null;
  if (!old.startsWith(text.slice(0, start)) || !old.endsWith(text.slice(newEnd))) return null;
  return { start, oldEnd: old.length - tail, newEnd, oldLength: old.length };
}

/** The index of the first line of `layout` that starts at or after `offset` (`layout.length` if none). */
function firstAtOrAfter(layout: readonly LineLayout[], offset: number): number {
  let lo = 0;
  let hi = layout.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((layout[mid]?.offset ?? 0) < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The index of the row of a line (given its row starts) that offset `at` of the line is on. */
function rowOf(starts: readonly number[], at: number): number {
  let row = 0;
  while (row + 1 < starts.length && (starts[row + 1] ?? Infinity) <= at) row += 1;
  return row;
}

/**
 * The composer's text as screen rows `width` display columns wide (measured with string-width, so a
 * CJK character takes two columns and a ZWJ emoji sequence its terminal width), broken at grapheme
 * boundaries, and the window of at most `maxRows` rows that holds the cursor. `scrollTop` is the
 * window's first row the last time (so the window only moves when the cursor leaves it); the answer's
 * first row index is `above`.
 *
 * Only the rows in the window are built; the other lines are only counted, plain ASCII ones by
 * arithmetic and the rest from `cache` when their text was seen before at this width. After an edit
 * of the text `cache` last saw, only the lines the edit touched are looked at again (and those after
 * them moved), so a key at the end of a long text (a paste of thousands of lines) costs its own line,
 * not a scan of the text.
 */
export function composerView(state: EditorState, width: number, maxRows: number, scrollTop = 0, cache: ComposerLayoutCache = createComposerLayoutCache()): ComposerView {
  const w = Math.max(2, width);
  const known = cache.width === w ? cache.lines : new Map<string, readonly number[]>();
  const seen = new Map<string, readonly number[]>();
  let measuredLines = 0;
  const work = { graphemes: 0 };
  // The last layout's lines, when it had as many: a changed line is most likely an edit of the one it replaced.
  const before = cache.width === w ? cache.layout : [];
  let lineCount: number | undefined;
  const startsOf = (line: string, i: number): readonly number[] => {
    if (ASCII.test(line)) return line.length <= w - 1 ? [0] : rowStarts(line, w, work);
    const hit = seen.get(line) ?? known.get(line);
    if (hit) {
      seen.set(line, hit);
      return hit;
    }
    measuredLines += 1;
    lineCount ??= countLines(state.text);
    const prev = before.length === lineCount ? before[i] : undefined;
    const starts = prev ? reflow(prev.line, prev.starts, line, w, work) : rowStarts(line, w, work);
    seen.set(line, starts);
    return starts;
  };

  let layout: readonly LineLayout[];
  let total = 0;
  let scannedLines = 0;
  const edited = cache.width === w && cache.text !== null && cache.text !== state.text ? editedLines(cache.text, state, cache.cursor) : null;
  if (cache.text === state.text && cache.width === w) {
    layout = cache.layout;
    total = cache.total;
  } else if (edited) {
    // Only the lines the edit touched are split out and laid out (paired with the lines they replace
    // when as many, so a changed line is flowed again from the row the edit touched); the lines
    // before are kept as they are, those after moved by the edit's change of length and of rows.
    const old = cache.layout;
    const from = firstAtOrAfter(old, edited.start);
    const to = firstAtOrAfter(old, edited.oldEnd + 1);
    const replaced = old.slice(from, to);
    // Each line copied out of the text (a slice of it would keep the whole text alive for as long as
    // the line stays in the layout, one whole text per line left behind by an edit).
    const lines = state.text.slice(edited.start, edited.newEnd).split('\n').map((raw) => (` ${raw}`).slice(1));
    const built: LineLayout[] = old.slice(0, from);
    const last = built.at(-1);
    total = last ? last.firstRow + last.starts.length : 0;
    let offset = edited.start;
    lines.forEach((line, i) => {
      const prev = replaced.length === lines.length ? replaced[i] : undefined;
      let starts: readonly number[];
      if (ASCII.test(line)) starts = line.length <= w - 1 ? [0] : rowStarts(line, w, work);
      else {
        // Known from the last whole layout (a line the edit's span took in unchanged), or flowed.
        const hit = known.get(line);
        measuredLines += hit ? 0 : 1;
        starts = hit ?? (prev ? reflow(prev.line, prev.starts, line, w, work) : rowStarts(line, w, work));
      }
      built.push({ line, offset, starts, firstRow: total });
      total += starts.length;
      offset += line.length + 1;
    });
    const shift = state.text.length - edited.oldLength;
    const oldTail = old[to];
    const rowShift = oldTail ? total - oldTail.firstRow : 0;
    for (let i = to; i < old.length; i++) {
      const l = old[i] as LineLayout;
      built.push({ line: l.line, offset: l.offset + shift, starts: l.starts, firstRow: l.firstRow + rowShift });
    }
    total = old.length > to ? total + (cache.total - (oldTail?.firstRow ?? cache.total)) : total;
    scannedLines = lines.length + (old.length - to);
    layout = built;
    Object.assign(cache, { text: state.text, layout, total });
  } else {
    const built: LineLayout[] = [];
    let offset = 0;
    for (const [i, line] of state.text.split('\n').entries()) {
      const starts = startsOf(line, i);
      built.push({ line, offset, starts, firstRow: total });
      total += starts.length;
      offset += line.length + 1;
    }
    scannedLines = built.length;
    layout = built;
    Object.assign(cache, { width: w, lines: seen, text: state.text, layout, total });
  }
  cache.cursor = state.cursor;
  // The cursor's line: the last that starts at or before it.
  let lo = 0;
  let hi = layout.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((layout[mid]?.offset ?? 0) <= state.cursor) lo = mid;
    else hi = mid - 1;
  }
  const cursorLine = layout[lo];
  const cursorRow = cursorLine ? cursorLine.firstRow + rowOf(cursorLine.starts, state.cursor - cursorLine.offset) : 0;

  const height = Math.max(1, maxRows);
  let top = Math.min(Math.max(0, scrollTop), Math.max(0, total - height));
  if (cursorRow < top) top = cursorRow;
  if (cursorRow >= top + height) top = cursorRow - height + 1;
  const bottom = Math.min(total, top + height);

  const rows: ComposerRow[] = [];
  // The first line with a row in the window: the last that starts at or before its top row.
  let firstLine = 0;
  for (let hi = layout.length - 1; firstLine < hi; ) {
    const mid = (firstLine + hi + 1) >> 1;
    if ((layout[mid]?.firstRow ?? 0) <= top) firstLine = mid;
    else hi = mid - 1;
  }
  for (let l = firstLine; l < layout.length; l++) {
    const { line, offset: lineOffset, starts, firstRow } = layout[l] as LineLayout;
    if (firstRow + starts.length <= top) continue;
    if (firstRow >= bottom) break;
    // Only the rows in the window are broken into graphemes (a row start is a grapheme boundary).
    const first = Math.max(0, top - firstRow);
    const last = Math.min(starts.length, bottom - firstRow);
    const cells = Array.from(graphemeSegments(line, starts[first] ?? 0, starts[last] ?? line.length), (g) => ({ g: g.segment, at: lineOffset + g.index }));
    let c = 0;
    for (let r = first; r < last; r++) {
      const end = starts[r + 1] ?? line.length;
      const row: { g: string; at: number }[] = [];
      while (c < cells.length && (cells[c]?.at ?? 0) - lineOffset < end) row.push(cells[c++] as { g: string; at: number });
      const text = row.map((x) => shown(x.g)).join('');
      const i = row.findIndex((x) => x.at === state.cursor);
      // The cursor sits at a line's end only on its last row (a wrapped row's end is the next row's start).
      const atEnd = r === starts.length - 1 && state.cursor === lineOffset + line.length;
      let cursor: ComposerRow['cursor'] = null;
      if (i >= 0) {
        cursor = { before: row.slice(0, i).map((x) => shown(x.g)).join(''), at: shown(row[i]?.g ?? ''), after: row.slice(i + 1).map((x) => shown(x.g)).join('') };
      } else if (atEnd) cursor = { before: text, at: '', after: '' };
      rows.push({ text, cursor });
    }
  }
  return { rows, above: top, below: Math.max(0, total - bottom), measuredLines, measuredGraphemes: work.graphemes, scannedLines };
}
