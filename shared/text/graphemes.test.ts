import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundaryAtOrAfter, graphemeSegments, isSureBoundary, nextBoundary, previousBoundary } from './graphemes.js';

const whole = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/** The boundaries the segmenter gives for the whole text at once: the reference. */
const reference = (text: string) => [...Array.from(whole.segment(text), (s) => s.index), text.length];

// Pieces that bind to their neighbours (combining marks, ZWJ sequences, flags and their parity, Hangul
// jamo, CR LF, Prepend, spacing marks) among plain letters of the scripts isSureBoundary trusts.
const PIECES = [
  'a', 'b', ' ', '.', 'é', 'ж', 'λ', 'ש', 'ب', 'क', 'ก', '中', 'か', 'カ', '©', '\u00a0', '\n', '\r', '\r\n', '\t',
  '\u0301', '\u200d', '\ufe0f', '\u20e3', '\u094d', '\u0e33', '\u0600', '\u00ad', '\u1100', '\u1161', '\u11a8', '가',
  '🇫', '🇷', '👍', '🏽', '👨', '👩', '👧', '🏴', '\u{e0067}', '\u{e007f}', '\uff9e', '\u0483',
  '❤', '\ufe0e', '👨‍👩‍👧‍👦', '🏳️‍🌈', '1️⃣', '\u0903', '\u0915', '\ud83d', '\ude00',
];
const texts = fc.array(fc.constantFrom(...PIECES), { maxLength: 600 }).map((p) => p.join(''));

describe('graphemes', () => {
  it('finds the same clusters piece by piece as the segmenter does over the whole text', () => {
    fc.assert(
      fc.property(texts, (text) => {
        expect([...Array.from(graphemeSegments(text), (g) => g.index), text.length]).toEqual(reference(text));
      }),
      { numRuns: 300 },
    );
  });

  it('finds the boundary before and after each boundary, and the next one from any offset, as the whole-text segmenter does', () => {
    fc.assert(
      fc.property(texts, (text) => {
        const bs = reference(text);
        bs.forEach((b, i) => {
          expect(previousBoundary(text, b)).toBe(bs[Math.max(0, i - 1)]);
          expect(nextBoundary(text, b)).toBe(bs[Math.min(bs.length - 1, i + 1)]);
        });
        for (let at = 0; at <= text.length; at++) expect(boundaryAtOrAfter(text, at)).toBe(bs.find((b) => b >= at));
      }),
      { numRuns: 150 },
    );
  });

  it('proves only offsets that are boundaries', () => {
    fc.assert(
      fc.property(texts, (text) => {
        const bs = new Set(reference(text));
        for (let p = 0; p <= text.length; p++) if (isSureBoundary(text, p)) expect(bs.has(p)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('cuts a long text into pieces at sure boundaries and still finds every cluster, long flag runs included', () => {
    const flags = '🇫🇷'.repeat(400);
    const text = `${'word '.repeat(300)}${flags}x${'中文'.repeat(300)}\n${'e\u0301'.repeat(300)}`;
    expect([...Array.from(graphemeSegments(text), (g) => g.index), text.length]).toEqual(reference(text));
    expect(previousBoundary(text, 1500 + flags.length)).toBe(1500 + flags.length - 4);
  });
});
