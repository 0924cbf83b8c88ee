import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { fitWidth } from './fit-width.js';

describe('fitWidth', () => {
  it('keeps a text that fits, on one line', () => {
    expect(fitWidth('ship it on Friday', 40)).toBe('ship it on Friday');
    expect(fitWidth('first line\n\nsecond line', 40)).toBe('first line second line');
  });

  it('cuts a long text at a word with an ellipsis, within the columns', () => {
    const cut = fitWidth('we should move the orders table to the batched migration before the release on Friday', 40);
    expect(cut).toBe('we should move the orders table to the…');
    expect(stringWidth(cut)).toBeLessThanOrEqual(40);
  });

  it('counts wide characters as two columns and never cuts inside an emoji', () => {
    const cut = fitWidth('日本語のメッセージはとても長いです'.repeat(3), 11);
    expect(cut).toBe('日本語のメ…');
    expect(stringWidth(cut)).toBe(11);
    const family = fitWidth('ab 👨‍👩‍👧 cdefgh', 6);
    expect(family).toBe('ab 👨‍👩‍👧…');
  });

  // A quote was cut back to the last space even inside a run of CJK text (which has no spaces), so
  // in a 45-column terminal a Japanese message came out as just "日本語のテキストです…".
  it('cuts inside a run of CJK text by columns rather than going back to a far space, and keeps three quarters of the room', () => {
    const text = '日本語のテキストです 今日は会議があります明日も会議です 🎉🎉🎉🎉🎉🎉';
    for (const columns of [15, 27, 28, 40, 45]) {
      const cut = fitWidth(text, columns);
      expect(stringWidth(cut), `${columns} columns: ${cut}`).toBeGreaterThanOrEqual(columns - 1);
      expect(stringWidth(cut)).toBeLessThanOrEqual(columns);
      expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
    expect(fitWidth(text, 27)).toBe('日本語のテキストです 今日…');
    // Latin text: back to the space only when that keeps three quarters of the room.
    expect(fitWidth('abcdefghijklm nopqrstuvwxyz', 20)).toBe('abcdefghijklm nopqr…');
    expect(fitWidth('we should move the orders table', 20)).toBe('we should move the…');
  });
});
