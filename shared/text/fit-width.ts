import stringWidth from 'string-width';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * `text` on one line in at most `columns` terminal columns (as `string-width` counts them: East Asian
 * wide characters and emoji are two): runs of white space (line breaks too) become one space, and a
 * text that is still too wide is cut — at the last space when that keeps two thirds of the room, else
 * between characters (never inside one) — and ends with `…`. `columns` below 2 is taken as 2.
 */
export function fitWidth(text: string, columns: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  const room = Math.max(2, Math.floor(columns));
  if (stringWidth(line) <= room) return line;
  let kept = '';
  let width = 0;
  for (const { segment } of graphemes.segment(line)) {
    const w = stringWidth(segment);
    if (width + w > room - 1) break;
    kept += segment;
    width += w;
  }
  const space = kept.lastIndexOf(' ');
  if (space > 0 && stringWidth(kept.slice(0, space)) >= ((room - 1) * 2) / 3) kept = kept.slice(0, space);
  return `${kept.trimEnd()}…`;
}
