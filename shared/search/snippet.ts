import type { Snippet } from '../protocol/index.js';

/** Whether a UTF-16 code unit is the second half of a surrogate pair. */
const isLowSurrogate = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff;

/**
 * A one-line excerpt of `text` around its first highlighted range, at most about `maxChars` long,
 * cut at word boundaries and marked with "…" where cut, never inside a surrogate pair (an emoji is
 * kept whole or left out). Highlights are shifted to the excerpt.
 */
export function snippetAround(text: string, ranges: readonly (readonly [number, number])[], maxChars = 160): Snippet {
  const flat = text.replace(/\s/g, ' ');
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]).filter((r, i, all) => i === 0 || r[0] >= (all[i - 1] as readonly [number, number])[1]);
  if (flat.length <= maxChars) return { text: flat, highlights: sorted.map(([s, e]) => [s, e]) };
  const first = sorted[0]?.[0] ?? 0;
  let start = Math.max(0, Math.min(first - Math.floor(maxChars / 4), flat.length - maxChars));
  if (start > 0) {
    const space = flat.indexOf(' ', start);
    start = space >= 0 && space < first ? space + 1 : start;
  }
  while (flat[start] === ' ') start++;
  if (isLowSurrogate(flat.charCodeAt(start))) start++;
  let end = Math.min(flat.length, start + maxChars);
  if (end < flat.length) {
    const space = flat.lastIndexOf(' ', end);
    if (space > start + maxChars / 2) end = space;
  }
  if (end < flat.length && isLowSurrogate(flat.charCodeAt(end))) end--;
  const prefix = start > 0 ? '…' : '';
  const shift = prefix.length - start;
  const highlights = sorted.filter(([s, e]) => s >= start && e <= end).map(([s, e]): [number, number] => [s + shift, e + shift]);
  return { text: `${prefix}${flat.slice(start, end).trimEnd()}${end < flat.length ? '…' : ''}`, highlights };
}

/**
 * Reads text where matches are wrapped in `open` … `close` markers (as PostgreSQL's ts_headline writes
 * them) into a snippet with highlight ranges.
 */
export function snippetFromMarked(marked: string, open: string, close: string): Snippet {
  let text = '';
  const highlights: [number, number][] = [];
  let rest = marked.replace(/\s/g, ' ');
  for (;;) {
    const a = rest.indexOf(open);
    if (a < 0) break;
    const b = rest.indexOf(close, a + open.length);
    if (b < 0) break;
    text += rest.slice(0, a);
    const word = rest.slice(a + open.length, b);
    highlights.push([text.length, text.length + word.length]);
    text += word;
    rest = rest.slice(b + close.length);
  }
  return { text: text + rest.split(open).join('').split(close).join(''), highlights };
}
