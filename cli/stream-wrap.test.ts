import { describe, expect, it } from 'vitest';
import { StreamWrapper } from './stream-wrap.js';

/** The text written when `pieces` arrive one after another at `columns`. */
function wrapped(columns: number, pieces: readonly string[]): string {
  let out = '';
  const w = new StreamWrapper(columns, (t) => (out += t));
  for (const p of pieces) w.push(p);
  w.end();
  return out;
}

describe('StreamWrapper', () => {
  it('breaks between words however the pieces cut them, and keeps the text\'s own newlines and indents', () => {
    const text = 'alpha beta gamma delta\n  - epsilon zeta eta';
    const whole = wrapped(12, [text]);
    expect(whole).toBe('alpha beta\ngamma delta\n  - epsilon\nzeta eta');
    expect(wrapped(12, text.match(/.{1,3}/gs) ?? [])).toBe(whole);
  });

  it('puts a word wider than the line on a line of its own, whole; wide characters count two columns', () => {
    expect(wrapped(8, ['a supercalifragilistic b'])).toBe('a\nsupercalifragilistic\nb');
    expect(wrapped(6, ['日本 語の 文'])).toBe('日本\n語の\n文');
  });
});
