import stringWidth from 'string-width';
import { graphemeSegments } from '../../../shared/text/graphemes.js';

/**
 * A run of text drawn in one style. `tone` names the colour (`code` for inline code and code blocks,
 * `link` for a link's text); `sender` (for the `sender` tone) is the username whose colour it takes;
 * `bold`, `italic` and `strike` are a message's formatting marks; `match` marks words a search
 * matched (drawn as the search panel draws them). The text has no newlines and no escape sequences
 * (it was neutralized before).
 */
export interface Span {
  readonly text: string;
  readonly tone: 'plain' | 'dim' | 'sender' | 'error' | 'accent' | 'mention' | 'code' | 'link';
  readonly sender?: string;
  readonly bold?: boolean;
  readonly italic?: boolean;
  readonly strike?: boolean;
  readonly match?: boolean;
}

/** One grapheme cluster as a terminal draws it: the characters, their display columns, and the style. */
interface Cell {
  readonly g: string;
  readonly w: number;
  readonly span: Span;
}

/** A tab is drawn as this many spaces: terminals disagree on tab stops, and a layout must know its columns. */
export const TAB_WIDTH = 4;

/** The display width of a text in terminal columns (string-width: East Asian wide characters and emoji take 2). */
export function columns(text: string): number {
  return stringWidth(text.replace(/\t/g, ' '.repeat(TAB_WIDTH)));
}

/** A span's graphemes (Intl.Segmenter, UAX #29 extended grapheme clusters, in linear time: graphemes.ts) with their widths; tabs become spaces. */
function cellsOf(spans: readonly Span[]): Cell[] {
  const cells: Cell[] = [];
  for (const span of spans) {
    for (const { segment } of graphemeSegments(span.text.replace(/\t/g, ' '.repeat(TAB_WIDTH)))) {
      cells.push({ g: segment, w: stringWidth(segment), span });
    }
  }
  return cells;
}

/** Consecutive cells of the same span joined back into spans. */
function spansOf(cells: readonly Cell[]): Span[] {
  const out: Span[] = [];
  let current: Cell[] = [];
  const flush = () => {
    const first = current[0];
    if (first) out.push({ ...first.span, text: current.map((c) => c.g).join('') });
    current = [];
  };
  for (const cell of cells) {
    if (current[0] && current[0].span !== cell.span) flush();
    current.push(cell);
  }
  flush();
  return out;
}

/** The total display width of spans, in columns. */
export function spansWidth(spans: readonly Span[]): number {
  return cellsOf(spans).reduce((n, c) => n + c.w, 0);
}

/**
 * One line of styled text wrapped to `width` columns: breaks between words (at spaces, which are
 * dropped at a break), and a word wider than a line is broken between grapheme clusters, never inside
 * one (a ZWJ emoji sequence, a letter with its combining marks and a flag stay whole — unlike
 * wrap-ansi, which splits by code point). Leading spaces of the line are kept. Every returned line is
 * at most `width` columns wide, except that a single grapheme wider than `width` (a wide character in
 * a 1-column line) stands alone on its line. Always returns at least one (possibly empty) line.
 *
 * @param width columns per line, at least 1
 */
export function wrapSpans(spans: readonly Span[], width: number): Span[][] {
  const cells = cellsOf(spans);
  const lines: Cell[][] = [[]];
  let line = lines[0] as Cell[];
  let col = 0;
  const breakLine = () => {
    // A break at spaces drops them: they would only pad the end of the line.
    while (line.length > 0 && (line[line.length - 1] as Cell).g === ' ') line.pop();
    line = [];
    lines.push(line);
    col = 0;
  };
  let i = 0;
  while (i < cells.length) {
    const space = (cells[i] as Cell).g === ' ';
    let j = i;
    let tokenWidth = 0;
    while (j < cells.length && ((cells[j] as Cell).g === ' ') === space) tokenWidth += (cells[j++] as Cell).w;
    const token = cells.slice(i, j);
    i = j;
    if (col + tokenWidth <= width) {
      line.push(...token);
      col += tokenWidth;
    } else if (space) {
      breakLine();
    } else if (tokenWidth <= width && col > 0) {
      breakLine();
      line.push(...token);
      col = tokenWidth;
    } else {
      // A word longer than a line: broken between graphemes.
      for (const cell of token) {
        if (col + cell.w > width && col > 0) breakLine();
        line.push(cell);
        col += cell.w;
      }
    }
  }
  return lines.map(spansOf);
}

/**
 * Styled text cut to fit `width` columns on one line, ending in "…" when something was cut; cuts only
 * between grapheme clusters.
 */
export function truncateSpans(spans: readonly Span[], width: number): Span[] {
  const cells = cellsOf(spans);
  if (cells.reduce((n, c) => n + c.w, 0) <= width) return spansOf(cells);
  const kept: Cell[] = [];
  let col = 0;
  for (const cell of cells) {
    if (col + cell.w > width - 1) break;
    kept.push(cell);
    col += cell.w;
  }
  const last = kept[kept.length - 1] ?? cells[0];
  if (width >= 1 && last) kept.push({ g: '…', w: 1, span: last.span });
  return spansOf(kept);
}
