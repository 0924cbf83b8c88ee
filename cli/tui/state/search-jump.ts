import type { Snippet } from '../../../shared/protocol/index.js';
import type { LayoutLine } from './timeline-layout.js';

/** The words a search hit matched: its snippet's first highlighted range, whitespace folded; null when it has none. */
export function matchedWords(snippet: Snippet): string | null {
  const first = snippet.highlights[0];
  if (!first) return null;
  const words = snippet.text.slice(first[0], first[1]).replace(/\s+/g, ' ').trim();
  return words === '' ? null : words;
}

/**
 * Which terminal row of a laid-out message (its rows start at `start` in `lines`, keyed `<rowKey>:<n>`)
 * shows a search hit's matched `words`: the first row holding them all, else the first holding their
 * last word (a match the layout wrapped across two rows), else `start` (the message's top). Case is
 * not compared (search folds it). Rows are told apart by their text only, so a quote above the message
 * that holds the words counts too; that row is in the message, which is all the jump needs.
 */
export function matchedRow(lines: readonly LayoutLine[], start: number, rowKey: string, words: string): number {
  const own: number[] = [];
  for (let i = start; i < lines.length && (lines[i] as LayoutLine).key.startsWith(`${rowKey}:`); i++) own.push(i);
  const textOf = (i: number) => (lines[i] as LayoutLine).spans.map((s) => s.text).join('').replace(/\s+/g, ' ').toLowerCase();
  const whole = words.toLowerCase();
  const last = whole.split(' ').at(-1) ?? whole;
  return own.find((i) => textOf(i).includes(whole)) ?? own.find((i) => textOf(i).includes(last)) ?? start;
}
