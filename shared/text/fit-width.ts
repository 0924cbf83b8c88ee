import stringWidth from 'string-width';
import { graphemeSegments } from './graphemes.js';
import { insideUnspacedRun } from './unspaced.js';

/**
 * `text` on one line in at most `columns` terminal columns (as `string-width` counts them: East Asian
 * wide characters and emoji are two): runs of white space (line breaks too) become one space, and a
 * text that is still too wide is cut and ends with `…`. The cut is made between characters (never
 * inside one: graphemeSegments, UAX #29 clusters) where it falls inside a run of CJK text or
 * emoji (see insideUnspacedRun), or where going back to the last space would give up more than a
 * quarter of the room; else at the last space. `columns` below 2 is taken as 2.
 */
export function fitWidth(text: string, columns: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  const room = Math.max(2, Math.floor(columns));
  if (stringWidth(line) <= room) return line;
  let kept = '';
  let width = 0;
  let last: string | undefined;
  let next: string | undefined;
  for (const { segment } of graphemeSegments(line)) {
    const w = stringWidth(segment);
    if (width + w > room - 1) {
      next = segment;
      break;
    }
    kept += segment;
    width += w;
    last = segment;
  }
  const space = kept.lastIndexOf(' ');
  if (!insideUnspacedRun(last, next) && space > 0 && stringWidth(kept.slice(0, space)) >= ((room - 1) * 3) / 4) kept = kept.slice(0, space);
  return `${kept.trimEnd()}…`;
}
