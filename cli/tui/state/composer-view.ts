import stringWidth from 'string-width';
import { neutralize } from '../../../shared/text/neutralize.js';
import type { EditorState } from './line-editor.js';
import { graphemesOf } from './line-editor.js';

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
}

/** A grapheme as shown: a tab as two spaces, a control character in caret form (see neutralize). */
const shown = (g: string): string => (g === '\t' ? '  ' : neutralize(g));

/**
 * The composer's text as screen rows `width` display columns wide (measured with string-width, so a
 * CJK character takes two columns and a ZWJ emoji sequence its terminal width), broken at grapheme
 * boundaries, and the window of at most `maxRows` rows that holds the cursor. `scrollTop` is the
 * window's first row the last time (so the window only moves when the cursor leaves it); the answer's
 * first row index is `above`.
 */
export function composerView(state: EditorState, width: number, maxRows: number, scrollTop = 0): ComposerView {
  const w = Math.max(2, width);
  const rows: ComposerRow[] = [];
  let cursorRow = 0;
  let offset = 0;
  for (const line of state.text.split('\n')) {
    const gs = graphemesOf(line);
    let row: { g: string; at: number }[] = [];
    let used = 0;
    const emit = (last: boolean) => {
      const text = row.map((c) => shown(c.g)).join('');
      const i = row.findIndex((c) => c.at === state.cursor);
      // The cursor sits at a line's end only on its last row (a wrapped row's end is the next row's start).
      const atEnd = last && state.cursor === offset + line.length;
      let cursor: ComposerRow['cursor'] = null;
      if (i >= 0) {
        cursor = { before: row.slice(0, i).map((c) => shown(c.g)).join(''), at: shown(row[i]?.g ?? ''), after: row.slice(i + 1).map((c) => shown(c.g)).join('') };
      } else if (atEnd) cursor = { before: text, at: '', after: '' };
      if (cursor) cursorRow = rows.length;
      rows.push({ text, cursor });
      row = [];
      used = 0;
    };
    let at = offset;
    for (const g of gs) {
      const gw = stringWidth(shown(g));
      // Keep one column free at the end of a row for the cursor block.
      if (used + gw > w - 1 && row.length > 0) emit(false);
      row.push({ g, at });
      used += gw;
      at += g.length;
    }
    emit(true);
    offset += line.length + 1;
  }
  const height = Math.max(1, maxRows);
  let top = Math.min(Math.max(0, scrollTop), Math.max(0, rows.length - height));
  if (cursorRow < top) top = cursorRow;
  if (cursorRow >= top + height) top = cursorRow - height + 1;
  return { rows: rows.slice(top, top + height), above: top, below: Math.max(0, rows.length - top - height) };
}
