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
});
