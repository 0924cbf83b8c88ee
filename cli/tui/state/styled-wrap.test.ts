import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import type { Span } from './styled-wrap.js';
import { columns, truncateSpans, wrapSpans } from './styled-wrap.js';

const plain = (text: string): Span[] => [{ text, tone: 'plain' }];
const texts = (lines: Span[][]) => lines.map((l) => l.map((s) => s.text).join(''));
const FAMILY = '\u{1F468}\u200d\u{1F469}\u200d\u{1F467}\u200d\u{1F466}';

describe('wrapSpans', () => {
  it('breaks between words and drops the spaces at a break', () => {
    expect(texts(wrapSpans(plain('the quick brown fox'), 10))).toEqual(['the quick', 'brown fox']);
  });

  it('measures East Asian wide characters as two columns', () => {
    const lines = texts(wrapSpans(plain('漢字漢字漢字漢字'), 7));
    expect(lines).toEqual(['漢字漢', '字漢字', '漢字']);
    for (const l of lines) expect(stringWidth(l)).toBeLessThanOrEqual(7);
  });

  it('breaks a word longer than a line between grapheme clusters, keeping ZWJ sequences and combining marks whole', () => {
    const word = `ab${FAMILY.repeat(5)}${'e\u0301'.repeat(5)}`;
    const lines = texts(wrapSpans(plain(word), 5));
    expect(lines.join('')).toBe(word);
    for (const l of lines) {
      expect(stringWidth(l)).toBeLessThanOrEqual(5);
      // No line starts with a joiner or a combining mark, or ends with a joiner.
      expect(l.startsWith('\u200d') || l.startsWith('\u0301') || l.endsWith('\u200d')).toBe(false);
    }
  });

  it('keeps leading spaces, draws tabs as spaces, and gives one empty line for empty text', () => {
    expect(texts(wrapSpans(plain('  code'), 20))).toEqual(['  code']);
    expect(texts(wrapSpans(plain('a\tb'), 20))).toEqual(['a    b']);
    expect(columns('a\tb')).toBe(6);
    expect(texts(wrapSpans(plain(''), 20))).toEqual(['']);
  });

  it('keeps each span’s style across a break', () => {
    const lines = wrapSpans([{ text: 'hello ', tone: 'dim' }, { text: 'world wide', tone: 'error' }], 8);
    expect(lines).toEqual([[{ text: 'hello', tone: 'dim' }], [{ text: 'world', tone: 'error' }], [{ text: 'wide', tone: 'error' }]]);
  });
});

describe('truncateSpans', () => {
  it('cuts to the width with an ellipsis, between grapheme clusters', () => {
    expect(texts([truncateSpans(plain('short'), 10)])).toEqual(['short']);
    expect(texts([truncateSpans(plain('漢字漢字漢字'), 6)])).toEqual(['漢字…']);
    expect(stringWidth(texts([truncateSpans(plain(FAMILY.repeat(4)), 5)])[0] ?? '')).toBeLessThanOrEqual(5);
  });
});
