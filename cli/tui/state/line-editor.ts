/**
 * The composer's text and cursor, edited as readline edits a line (GNU Readline's emacs mode): the
 * cursor moves by grapheme cluster (what a reader sees as one character: an emoji with its ZWJ
 * sequence, a letter with its combining marks, a flag), never inside one, so no edit can leave a
 * broken character. Graphemes come from `Intl.Segmenter` (Unicode UAX #29), through `graphemes.ts`, so
 * that an edit looks only at the text near the cursor: its work does not grow with the text (a paste
 * of thousands of lines).
 *
 * Pure: each function takes a state and returns the next.
 */

import { boundaryAtOrAfter, graphemesOf, nextBoundary, previousBoundary } from '../../../shared/text/graphemes.js';

/** The text, and the cursor as a UTF-16 offset that is always on a grapheme boundary. */
export interface EditorState {
  readonly text: string;
  readonly cursor: number;
}

/** The empty composer. */
export const EMPTY: EditorState = { text: '', cursor: 0 };

/**
 * How an edit made a state's text from the text before it: `base` with `removed` UTF-16 code units
 * at offset `at` replaced by `inserted` code units. A layout of `base` can then be updated around
 * `at` instead of comparing the two texts (see `composerView`).
 */
export interface TextChange {
  readonly base: string;
  readonly at: number;
  readonly removed: number;
  readonly inserted: number;
}

/** The change each edited state was made by, kept beside the state so states stay plain text and cursor. */
const changes = new WeakMap<EditorState, TextChange>();

/** How `state`'s text was made from the text before it, when an edit here made it (undefined otherwise). */
export const changeOf = (state: EditorState): TextChange | undefined => changes.get(state);

/** A state made from `base` by a change at `at`, remembered for {@link changeOf}. */
function changed(base: string, state: EditorState, at: number, removed: number, inserted: number): EditorState {
  changes.set(state, { base, at, removed, inserted });
  return state;
}

const previous = previousBoundary;
const next = nextBoundary;

/** Letters, digits, marks and `_`: what readline's word motions (Alt+B/F/D) take as a word. */
const WORD = /[\p{L}\p{N}\p{M}_]/u;
const isWord = (g: string) => WORD.test(g);
const isSpace = (g: string) => /^\s+$/u.test(g);

/** Where the word before `at` starts: past non-word graphemes, then past word graphemes. */
function wordStart(text: string, at: number, inWord: (g: string) => boolean): number {
  let i = at;
  while (i > 0) {
    const p = previous(text, i);
    if (inWord(text.slice(p, i))) break;
    i = p;
  }
  while (i > 0) {
    const p = previous(text, i);
    if (!inWord(text.slice(p, i))) break;
    i = p;
  }
  return i;
}

/** Where the word after `at` ends. */
function wordEnd(text: string, at: number): number {
  let i = at;
  while (i < text.length) {
    const n = next(text, i);
    if (isWord(text.slice(i, n))) break;
    i = n;
  }
  while (i < text.length) {
    const n = next(text, i);
    if (!isWord(text.slice(i, n))) break;
    i = n;
  }
  return i;
}

const lineStart = (s: EditorState) => s.text.lastIndexOf('\n', s.cursor - 1) + 1;
const lineEnd = (s: EditorState) => {
  const n = s.text.indexOf('\n', s.cursor);
  return n < 0 ? s.text.length : n;
};

/**
 * Puts `insert` at the cursor and the cursor after it. A grapheme that joins the text before it
 * (a combining mark, the second half of a flag) makes one grapheme with it; the cursor stays on a
 * boundary.
 */
export function insert(s: EditorState, insert: string): EditorState {
  const text = s.text.slice(0, s.cursor) + insert + s.text.slice(s.cursor);
  const want = s.cursor + insert.length;
  return changed(s.text, { text, cursor: boundaryAtOrAfter(text, want) }, s.cursor, 0, insert.length);
}

/** The cursor motions and deletions, by their readline names. */
export type EditAction =
  | 'backward-char'
  | 'forward-char'
  | 'backward-word'
  | 'forward-word'
  | 'beginning-of-line'
  | 'end-of-line'
  | 'previous-line'
  | 'next-line'
  | 'backward-delete-char'
  | 'delete-char'
  | 'unix-line-discard'
  | 'unix-word-rubout'
  | 'backward-kill-word'
  | 'kill-word'
  | 'kill-line';

/**
 * One edit: `backward-char`/`forward-char` (←/→) move by grapheme; `backward-word`/`forward-word`
 * (Alt+B/F) by word; `beginning-of-line`/`end-of-line` (Home/End, Ctrl+A/E) to the ends of the line the
 * cursor is on; `previous-line`/`next-line` to the same grapheme column of the line above or below;
 * `backward-delete-char` (Backspace) and `delete-char` (Delete) remove one grapheme;
 * `unix-line-discard` (Ctrl+U) the line before the cursor; `unix-word-rubout` (Ctrl+W) back to the
 * previous space; `backward-kill-word` (Alt+Backspace) and `kill-word` (Alt+D) a word; `kill-line` the
 * rest of the line.
 */
export function edit(s: EditorState, action: EditAction): EditorState {
  const { text, cursor } = s;
  const cut = (from: number, to: number): EditorState => changed(text, { text: text.slice(0, from) + text.slice(to), cursor: from }, from, to - from, 0);
  switch (action) {
    case 'backward-char':
      return { text, cursor: previous(text, cursor) };
    case 'forward-char':
      return { text, cursor: next(text, cursor) };
    case 'backward-word':
      return { text, cursor: wordStart(text, cursor, isWord) };
    case 'forward-word':
      return { text, cursor: wordEnd(text, cursor) };
    case 'beginning-of-line':
      return { text, cursor: lineStart(s) };
    case 'end-of-line':
      return { text, cursor: lineEnd(s) };
    case 'previous-line':
    case 'next-line': {
      const start = lineStart(s);
      const column = graphemesOf(text.slice(start, cursor)).length;
      const target = action === 'previous-line' ? (start === 0 ? null : text.lastIndexOf('\n', start - 2) + 1) : text.indexOf('\n', cursor) < 0 ? null : text.indexOf('\n', cursor) + 1;
      if (target === null) return s;
      const end = lineEnd({ text, cursor: target });
      const line = graphemesOf(text.slice(target, end)).slice(0, column).join('');
      return { text, cursor: target + line.length };
    }
    case 'backward-delete-char':
      return cut(previous(text, cursor), cursor);
    case 'delete-char':
      return cut(cursor, next(text, cursor));
    case 'unix-line-discard':
      return cut(lineStart(s), cursor);
    case 'unix-word-rubout':
      return cut(wordStart(text, cursor, (g) => !isSpace(g)), cursor);
    case 'backward-kill-word':
      return cut(wordStart(text, cursor, isWord), cursor);
    case 'kill-word':
      return cut(cursor, wordEnd(text, cursor));
    case 'kill-line':
      return cut(cursor, lineEnd(s));
    default: {
      const unreachable: never = action;
      return unreachable;
    }
  }
}

/** Whether the cursor is on the first line (↑ there recalls history rather than moving). */
export const onFirstLine = (s: EditorState): boolean => s.text.lastIndexOf('\n', s.cursor - 1) < 0;
/** Whether the cursor is on the last line. */
export const onLastLine = (s: EditorState): boolean => s.text.indexOf('\n', s.cursor) < 0;
