import { describe, expect, it } from 'vitest';
import { complete } from './completion.js';
import fc from 'fast-check';
import stringWidth from 'string-width';
import { composerView, createComposerLayoutCache } from './composer-view.js';
import { boundaryAtOrAfter, graphemeWork } from '../../../shared/text/graphemes.js';
import type { EditAction, EditorState } from './line-editor.js';
import { EMPTY, edit, insert } from './line-editor.js';

const FAMILY = '👨‍👩‍👧‍👦';
const at = (text: string, cursor = text.length): EditorState => ({ text, cursor });
const run = (s: EditorState, ...actions: EditAction[]) => actions.reduce(edit, s);
/** Whether a string is well-formed UTF-16 (no lone surrogate). */
const wellFormed = (s: string) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

describe('edit', () => {
  it('removes an emoji with Backspace whole, and a ZWJ family in one step', () => {
    expect(edit(at('hi 👍'), 'backward-delete-char')).toEqual(at('hi '));
    expect(edit(at(`a${FAMILY}`), 'backward-delete-char')).toEqual(at('a'));
    expect(edit(at('🇫🇷🇩🇪'), 'backward-delete-char')).toEqual(at('🇫🇷'));
    expect(edit(at('e\u0301'), 'backward-delete-char')).toEqual(at(''));
  });

  it('never leaves a broken character, whatever the edits', () => {
    const texts = [`x${FAMILY}y👍🏽z🇯🇵e\u0301 中文 word`, '🏴󠁧󠁢󠁳󠁣󠁴󠁿 a'];
    const actions: EditAction[] = ['backward-char', 'forward-char', 'backward-word', 'forward-word', 'backward-delete-char', 'delete-char', 'unix-word-rubout', 'kill-word', 'backward-kill-word'];
    for (const text of texts) {
      for (const a of actions) {
        let s = at(text);
        for (let i = 0; i < 30; i++) {
          s = edit(edit(s, a), 'backward-char');
          expect(wellFormed(s.text)).toBe(true);
          expect(wellFormed(s.text.slice(0, s.cursor))).toBe(true);
        }
      }
    }
  });

  it('moves by grapheme with ←/→ and inserts at the cursor', () => {
    let s = at(`a${FAMILY}b`);
    s = run(s, 'backward-char', 'backward-char');
    expect(s.cursor).toBe(1);
    s = insert(s, 'X');
    expect(s).toEqual({ text: `aX${FAMILY}b`, cursor: 2 });
    expect(run(s, 'forward-char').cursor).toBe(2 + FAMILY.length);
  });

  it('moves and deletes by word as readline does (Alt+B/F/D, Ctrl+W, Alt+Backspace)', () => {
    const s = at('git push --force origin');
    expect(edit(s, 'backward-word').cursor).toBe('git push --force '.length);
    expect(run(s, 'backward-word', 'backward-word').cursor).toBe('git push --'.length);
    expect(edit(at('git push --force origin', 0), 'forward-word').cursor).toBe(3);
    expect(edit(s, 'unix-word-rubout').text).toBe('git push --force ');
    expect(run(s, 'unix-word-rubout', 'unix-word-rubout').text).toBe('git push ');
    expect(edit(at('foo-bar'), 'backward-kill-word').text).toBe('foo-');
    expect(edit(at('one two', 0), 'kill-word')).toEqual(at(' two', 0));
  });

  it('goes to the line ends with Home/End and Ctrl+A/E, and Ctrl+U clears the line before the cursor', () => {
    const s = at('first\nsecond line', 'first\nsec'.length);
    expect(edit(s, 'beginning-of-line').cursor).toBe(6);
    expect(edit(s, 'end-of-line').cursor).toBe(s.text.length);
    expect(edit(s, 'unix-line-discard')).toEqual(at('first\nond line', 6));
    expect(edit(s, 'previous-line').cursor).toBe(3);
    expect(edit(at('ab\ncd', 1), 'next-line').cursor).toBe(4);
  });

  it('deletes the grapheme under the cursor with Delete, and does nothing at the end', () => {
    expect(edit(at(`${FAMILY}x`, 0), 'delete-char')).toEqual(at('x', 0));
    expect(edit(at('x'), 'delete-char')).toEqual(at('x'));
    expect(edit(EMPTY, 'backward-delete-char')).toEqual(EMPTY);
  });
});

describe('complete', () => {
  const sources = { commands: ['join', 'list', 'leave'], users: ['dana', 'daniel', 'bob'], rooms: ['plans', 'general'] };
  it('completes a command, a user and a room, with a space after a single match', () => {
    expect(complete(at('/jo'), sources).state).toEqual(at('/join '));
    expect(complete(at('hi @b'), sources).state).toEqual(at('hi @bob '));
    expect(complete(at('see #pl'), sources).state).toEqual(at('see #plans '));
    expect(complete(at('see #PL'), sources).state).toEqual(at('see #plans '));
  });

  it('puts in the common start of several matches and answers them all', () => {
    const r = complete(at('@d'), sources);
    expect(r.state).toEqual(at('@dan'));
    expect(r.candidates).toEqual(['@dana', '@daniel']);
    expect(complete(r.state, sources).state).toEqual(r.state);
  });

  it('completes the word before the cursor, not at the end', () => {
    expect(complete(at('hi @b and more', 5), sources).state).toEqual(at('hi @bob  and more', 8));
  });

  it('leaves text that is no command, name or room as it is', () => {
    expect(complete(at('plain'), sources)).toEqual({ state: at('plain'), candidates: [] });
    expect(complete(at('a/jo'), sources).candidates).toEqual([]);
    expect(complete(at('@zz'), sources).candidates).toEqual([]);
  });
});

describe('composerView', () => {
  it('wraps by display columns, a CJK character taking two', () => {
    const v = composerView(at('中文中文中文'), 7, 10);
    expect(v.rows.map((r) => r.text)).toEqual(['中文中', '文中文']);
    expect(v.rows[1]?.cursor).toEqual({ before: '文中文', at: '', after: '' });
  });

  it('shows at most maxRows rows, the cursor among them, and counts the hidden ones', () => {
    const text = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n');
    const end = composerView(at(text), 40, 5);
    expect(end.rows.map((r) => r.text)).toEqual(['line 25', 'line 26', 'line 27', 'line 28', 'line 29']);
    expect(end).toMatchObject({ above: 25, below: 0 });
    const top = composerView(at(text, 0), 40, 5, end.above);
    expect(top.rows[0]).toEqual({ text: 'line 0', cursor: { before: '', at: 'l', after: 'ine 0' } });
    expect(top).toMatchObject({ above: 0, below: 25 });
  });

  it('shows control characters of a text in caret form, never raw', () => {
    const v = composerView(at('a\u001b[31mb'), 40, 3);
    expect(v.rows[0]?.text).toBe('a^[[31mb');
  });

  it('shows any window of the rows the whole text breaks into, each row within the width, the cursor on one', () => {
    const piece = fc.constantFrom('a', 'word ', '中', '👍🏽', 'e\u0301', '\t', '\n', '🇫🇷', '\u001b');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 80 }), fc.integer({ min: 2, max: 30 }), fc.integer({ min: 1, max: 8 }), fc.nat(), (pieces, width, height, c) => {
        const text = pieces.join('');
        const state = at(text, boundaryAtOrAfter(text, c % (text.length + 1)));
        const all = composerView(state, width, 10_000);
        expect(all.above + all.below).toBe(0);
        expect(all.rows.filter((r) => r.cursor).length).toBe(1);
        // No grapheme here shows wider than 2 columns, so from 3 free columns on every row fits.
        if (width >= 4) for (const r of all.rows) expect(stringWidth(r.text)).toBeLessThanOrEqual(width - 1);
        const cache = createComposerLayoutCache();
        const view = composerView(state, width, height, 0, cache);
        expect(view.rows).toEqual(all.rows.slice(view.above, view.above + height));
        expect(view.above + view.rows.length + view.below).toBe(all.rows.length);
        // The same again from the cache.
        expect(composerView(state, width, height, view.above, cache)).toEqual({ ...view, measuredLines: 0, measuredGraphemes: 0, scannedLines: 0 });
      }),
      { numRuns: 300 },
    );
  });

  it('lays out an edited line from the rows it kept as a fresh layout would (any edits, any text)', () => {
    const piece = fc.constantFrom('a', 'word ', '中', '👍🏽', '👨‍👩‍👧‍👦', 'e\u0301', '\t', '\n', '🇫', '🇫🇷', '\u200d', '❤️', 'x\u200d');
    const step = fc.tuple(fc.constantFrom('insert', 'backspace', 'left', 'right'), piece, fc.nat());
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), fc.array(step, { maxLength: 12 }), fc.integer({ min: 2, max: 20 }), (pieces, steps, width) => {
        const cache = createComposerLayoutCache();
        let state = at(pieces.join(''), 0);
        let top = composerView(state, width, 4, 0, cache).above;
        for (const [kind, p, n] of steps) {
          if (n % 3 === 0) state = at(state.text, boundaryAtOrAfter(state.text, n % (state.text.length + 1)));
          state = kind === 'insert' ? insert(state, p) : run(state, kind === 'backspace' ? 'backward-delete-char' : kind === 'left' ? 'backward-char' : 'forward-char');
          // A copy of the state does not say how the edit made it: the layout finds the edited lines itself.
          if (n % 5 === 1) state = { ...state };
          const kept = composerView(state, width, 4, top, cache);
          const fresh = composerView(state, width, 4, top);
          expect({ ...kept, measuredLines: 0, measuredGraphemes: 0, scannedLines: 0 }).toEqual({ ...fresh, measuredLines: 0, measuredGraphemes: 0, scannedLines: 0 });
          top = kept.above;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a key in a line of thousands of ZWJ emoji to a bounded amount of work, wherever the cursor is', () => {
    const family = '👨‍👩‍👧‍👦';
    /** The work of each of a run of keys in a line of `n` families: graphemes flowed, code units segmented. */
    const costs = (n: number) => {
      const cache = createComposerLayoutCache();
      let state = insert(EMPTY, family.repeat(n));
      composerView(state, 80, 10, 0, cache);
      const cost = (next: EditorState) => {
        const before = graphemeWork.segmentedUnits;
        state = next;
        const view = composerView(state, 80, 10, 0, cache);
        return { segmented: graphemeWork.segmentedUnits - before, measured: view.measuredGraphemes };
      };
      const out = [
        cost(insert(state, '👍🏽')),
        cost(run(state, 'backward-delete-char')),
        cost(run(state, 'backward-char')),
        cost(run(state, 'backward-delete-char')),
        cost(at(state.text, family.length * Math.floor(n / 2))),
        cost(insert(state, 'x')),
        cost(run(state, 'backward-delete-char')),
        cost(run(state, 'forward-char')),
        cost(at(state.text, 0)),
        cost(insert(state, family)),
        cost(run(state, 'delete-char')),
      ];
      // The rows agree with a fresh layout.
      expect(composerView(state, 80, 10, 0, cache).rows).toEqual(composerView(state, 80, 10, 0).rows);
      return out;
    };
    const short = costs(3000);
    const long = costs(6000);
    for (const [i, c] of long.entries()) {
      // Flowing an edit: a row or two (39 families fill a row of 80 columns), not the 3,000 or 6,000 of the line.
      expect(c.measured).toBeLessThanOrEqual(120);
      // Segmenting: the edit's rows and the 10 rows that show, about the same in a line twice as long.
      expect(c.segmented).toBeLessThanOrEqual(14 * 40 * family.length);
      // (The rows that show may fall on the line differently, a row's worth.)
      expect(Math.abs(c.segmented - (short[i]?.segmented ?? 0))).toBeLessThanOrEqual(2 * 40 * family.length);
    }
  });

  it('measures only the lines a key changed in a 5,000-line text, and builds only the rows that show', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `行 ${i}: 中文と emoji 👍🏽 and words`);
    const cache = createComposerLayoutCache();
    let state = insert(EMPTY, lines.join('\n'));
    const first = composerView(state, 60, 10, 0, cache);
    expect(first.measuredLines).toBe(5000);
    expect(first.rows).toHaveLength(10);
    expect(first.rows.at(-1)?.cursor).not.toBeNull();
    state = insert(state, 'x');
    const next = composerView(state, 60, 10, first.above, cache);
    expect(next.measuredLines).toBe(1);
    expect(next.rows.at(-1)?.text).toBe(`${lines.at(-1)}x`);
    state = run(state, 'backward-word', 'backward-delete-char', 'previous-line');
    expect(composerView(state, 60, 10, next.above, cache).measuredLines).toBe(1);
    // Plain ASCII lines are counted, never measured.
    const ascii = insert(EMPTY, Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\n'));
    expect(composerView(ascii, 60, 10, 0, createComposerLayoutCache()).measuredLines).toBe(0);
  });

  it('looks at only the lines a key changed and those after it in a 5,000-line paste, not the whole text', () => {
    const cache = createComposerLayoutCache();
    let state = insert(EMPTY, Array.from({ length: 5000 }, (_, i) => `pasted line ${i}: about as long as a line of a log`).join('\n'));
    expect(composerView(state, 60, 10, 0, cache).scannedLines).toBe(5000);
    const scanned = (next: EditorState) => {
      state = next;
      const view = composerView(state, 60, 10, 0, cache);
      expect(view.rows).toEqual(composerView(state, 60, 10, 0).rows);
      expect(view.above + view.rows.length + view.below).toBe(composerView(state, 60, 10_000).rows.length);
      return view.scannedLines;
    };
    // At the end: the last line alone, whatever the key does to it.
    expect(scanned(insert(state, 'x'))).toBe(1);
    expect(scanned(run(state, 'backward-delete-char'))).toBe(1);
    expect(scanned(run(state, 'backward-kill-word'))).toBe(1);
    // A new line, then its removal: the lines the edit spans.
    expect(scanned(insert(state, '\n'))).toBe(2);
    expect(scanned(run(state, 'backward-delete-char'))).toBe(1);
    // In the middle: the line, and the 2,000 after it that move.
    state = at(state.text, state.text.indexOf('line 2999:'));
    expect(scanned(insert(state, 'y'))).toBe(2001);
    // Text replaced whole (a message loaded to edit): its one line.
    expect(scanned(at('short', 5))).toBe(1);
  });

  it('keeps no more lines in its cache than the text has while keys edit a line that is not ASCII', () => {
    const cache = createComposerLayoutCache();
    let state = insert(EMPTY, Array.from({ length: 100 }, (_, i) => `行 ${i}: 中文`).join('\n'));
    composerView(state, 60, 10, 0, cache);
    for (let i = 0; i < 500; i++) {
      state = insert(state, '字');
      composerView(state, 60, 10, 0, cache);
    }
    // Each key's version of the edited line (and with it a whole text) is not kept.
    expect(cache.lines.size).toBeLessThanOrEqual(100);
    expect(composerView(state, 60, 10, 0, cache).rows).toEqual(composerView(state, 60, 10, 0).rows);
  });
});

