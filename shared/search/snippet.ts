import type { Snippet } from '../protocol/index.js';
import { graphemesOf } from '../text/graphemes.js';
import { insideUnspacedRun } from '../text/unspaced.js';

/**
 * A one-line excerpt of `text` around its first highlighted range, at most about `max` long as
 * `measure` counts (UTF-16 code units by default; a terminal passes string-width's columns), marked
 * with "…" where cut (the marks are not counted). It is cut between graphemes (never inside an emoji
 * or a surrogate pair): at a space where one lies near the cut (moving the cut by at most a quarter of
 * `max`), else where the room ends, and always where the room ends inside a run of CJK text or emoji,
 * which has no spaces to cut at (see insideUnspacedRun). Highlights are shifted to the excerpt.
 */
export function snippetAround(text: string, ranges: readonly (readonly [number, number])[], max = 160, measure: (s: string) => number = (s) => s.length): Snippet {
  const flat = text.replace(/\s/g, ' ');
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]).filter((r, i, all) => i === 0 || r[0] >= (all[i - 1] as readonly [number, number])[1]);
  if (measure(flat) <= max) return { text: flat, highlights: sorted.map(([s, e]) => [s, e]) };
  const first = sorted[0]?.[0] ?? 0;
  // Only a window of about 2 × max code units around the match, wide enough for the excerpt at either
  // end of the text, is split into graphemes (graphemesOf: the segmenter only where characters can
  // bind, as it costs some 10 µs a code unit under load); a window cut in the middle of the text drops
  // its first and last graphemes, which may be parts of ones.
  const lo = Math.max(0, Math.min(first - Math.ceil(max / 2), flat.length - 2 * max) - 8);
  const hi = Math.min(flat.length, lo + 2 * max + 16);
  const parts = graphemesOf(flat.slice(lo, hi));
  const dropped = lo > 0 ? (parts.shift()?.length ?? 0) : 0;
  if (hi < flat.length) parts.pop();
  /** Where each grapheme starts (UTF-16 offset), and the room taken before it (from the window's start); one more entry for its end. */
  const at = [lo + dropped];
  const room = [0];
  parts.forEach((g, i) => {
    at.push((at[i] as number) + g.length);
    room.push((room[i] as number) + measure(g));
  });
  const n = parts.length;
  const slack = max / 4;
  const firstIndex = Math.max(0, at.findIndex((a) => a > first) - 1);
  const firstRoom = room[firstIndex] as number;
  const total = room[n] as number;
  const want = Math.max(0, Math.min(firstRoom - Math.floor(max / 4), total - max));
  let start = room.findIndex((r) => r >= want);
  if ((at[start] as number) > 0 && !insideUnspacedRun(parts[start - 1], parts[start])) {
    // Forward to just past a space, if one is near and before the match; else cut inside the word.
    for (let i = start; i < firstIndex && (room[i] as number) - (room[start] as number) <= slack; i++) {
      if (parts[i] === ' ') {
        start = i + 1;
        break;
      }
    }
  }
  while (parts[start] === ' ') start++;
  let end = start;
  while (end < n && (room[end + 1] as number) - (room[start] as number) <= max) end++;
  if (end < n && !insideUnspacedRun(parts[end - 1], parts[end])) {
    // Back to a space, if one is near; else cut inside the word.
    for (let i = end - 1; i > start && (room[end] as number) - (room[i] as number) <= slack; i--) {
      if (parts[i] === ' ') {
        end = i;
        break;
      }
    }
  }
  const from = at[start] as number;
  const to = at[end] as number;
  const prefix = from > 0 ? '…' : '';
  const shift = prefix.length - from;
  const highlights = sorted.filter(([s, e]) => s >= from && e <= to).map(([s, e]): [number, number] => [s + shift, e + shift]);
  return { text: `${prefix}${flat.slice(from, to).trimEnd()}${to < flat.length ? '…' : ''}`, highlights };
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
