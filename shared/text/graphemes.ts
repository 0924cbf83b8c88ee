/**
 * Grapheme clusters (Unicode UAX #29 extended grapheme clusters, via `Intl.Segmenter`) of text of any
 * length, found in work that grows linearly with the text, and near one offset in work that does not
 * grow with it at all.
 *
 * Why not simply `Intl.Segmenter`: V8's segmenter costs time in proportion to the whole string at
 * every step of its iterator (and at every `containing` call), so walking a string of n UTF-16 units
 * takes time in n²: 40,000 units take seconds, the 350,000 of a 5,000-line paste minutes. Here the
 * segmenter only ever sees the stretches between offsets that are surely boundaries (and a code
 * unit with one on each side is a cluster without asking it), so it sees short pieces unless the text
 * is long and made only of characters that can bind (a line of thousands of emoji).
 *
 * A sure boundary (see {@link isSureBoundary}) follows from the two code units around it alone: after
 * a line feed, before one that no CR precedes (rules GB4, GB5), and between two characters of
 * Grapheme_Cluster_Break "Other" taken from blocks with no combining, joining, prepended, regional
 * indicator, Hangul or control characters in the ranges listed (GB999: nothing else applies). Between
 * two sure boundaries the segmenter's answer for the piece is its answer for the whole text, as every
 * rule that looks at context ends at a boundary.
 */

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Whether a UTF-16 code unit is a whole character of Grapheme_Cluster_Break "Other" that no rule
 * binds to a neighbour: printable ASCII, Latin-1 (no soft hyphen), Latin Extended-A/B, Greek and
 * Coptic, Cyrillic letters, Hebrew and Arabic letters, Devanagari and Thai consonants, kana, CJK
 * ideographs.
 */
function plain(c: number): boolean {
  if (c >= 0x20 && c <= 0x7e) return true;
  if (c < 0xa0) return false;
  if (c <= 0x24f) return c !== 0xad;
  return (
    (c >= 0x370 && c <= 0x3ff) ||
    (c >= 0x400 && c <= 0x482) ||
    (c >= 0x48a && c <= 0x52f) ||
    (c >= 0x5d0 && c <= 0x5ea) ||
    (c >= 0x621 && c <= 0x64a) ||
    (c >= 0x915 && c <= 0x939) ||
    (c >= 0xe01 && c <= 0xe2e) ||
    (c >= 0x3041 && c <= 0x3096) ||
    (c >= 0x30a1 && c <= 0x30fa) ||
    (c >= 0x3400 && c <= 0x4dbf) ||
    (c >= 0x4e00 && c <= 0x9fff)
  );
}

const PICTOGRAPHIC = /^\p{Extended_Pictographic}$/u;

/**
 * Whether a code point can end an emoji cluster and binds to nothing after it but Extend, ZWJ or
 * SpacingMark characters: a pictograph, an emoji modifier (skin tone), a variation selector, the
 * keycap mark, a tag character, or a {@link plain} character. None of them is Prepend or ZWJ, so
 * (rule GB999) there is a boundary between one of them and a following pictograph (GB11 joins two
 * pictographs only across a ZWJ) or plain character.
 */
function endsEmoji(cp: number): boolean {
  if (cp < 0x10000 && plain(cp)) return true;
  if (cp === 0xfe0e || cp === 0xfe0f || cp === 0x20e3 || (cp >= 0x1f3fb && cp <= 0x1f3ff) || (cp >= 0xe0020 && cp <= 0xe007f)) return true;
  return cp >= 0xa9 && PICTOGRAPHIC.test(String.fromCodePoint(cp));
}

/** The code point that ends just before offset `p` (a surrogate pair whole), or -1. */
function codePointBefore(text: string, p: number): number {
  const low = text.charCodeAt(p - 1);
  if (low >= 0xdc00 && low <= 0xdfff && p >= 2) {
    const high = text.charCodeAt(p - 2);
    if (high >= 0xd800 && high <= 0xdbff) return (high - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
  }
  return low;
}

/**
 * Whether offset `p` of `text` is a grapheme boundary that the characters next to it alone prove:
 * the ends of the text, after `\n`, before `\n` without a CR before it, between two {@link plain}
 * characters, and before a pictograph or a plain character that follows one that ends an emoji (see
 * {@link endsEmoji}: so a line of thousands of ZWJ emoji sequences has a sure boundary between every
 * two). Never inside a surrogate pair. False says only "not proven".
 */
export function isSureBoundary(text: string, p: number): boolean {
  if (p <= 0 || p >= text.length) return true;
  const a = text.charCodeAt(p - 1);
  const b = text.charCodeAt(p);
  if (a === 0x0a) return true;
  if (b === 0x0a) return a !== 0x0d;
  if (plain(a) && plain(b)) return true;
  // Before a pictograph (or a plain character) after what ends an emoji; never between the halves of a pair.
  if (b >= 0xdc00 && b <= 0xdfff) return false;
  const next = text.codePointAt(p) ?? 0;
  if (!(next < 0x10000 && plain(next)) && !(next >= 0xa9 && PICTOGRAPHIC.test(String.fromCodePoint(next)))) return false;
  return endsEmoji(codePointBefore(text, p));
}

/** The last sure boundary before `at` (0 at the latest). */
export function sureBoundaryBefore(text: string, at: number): number {
  let p = Math.min(at, text.length) - 1;
  while (p > 0 && !isSureBoundary(text, p)) p -= 1;
  return Math.max(0, p);
}

/** The first sure boundary after `at` (the text's length at the latest). */
export function sureBoundaryAfter(text: string, at: number): number {
  let p = Math.max(at, 0) + 1;
  while (p < text.length && !isSureBoundary(text, p)) p += 1;
  return Math.min(p, text.length);
}

/**
 * The work done here so far, for tests that hold it bounded: UTF-16 code units handed to the
 * segmenter (whose cost grows faster than the length of what it is given).
 */
export const graphemeWork = { segmentedUnits: 0 };

/** One grapheme cluster and the UTF-16 offset it starts at. */
export interface Grapheme {
  readonly segment: string;
  readonly index: number;
}

/**
 * The grapheme clusters of `text[from, to)`, in order, with offsets into `text`; `from` and `to` must
 * be boundaries (the default is the whole text). Linear in `to - from`, unless stretches of it have
 * no sure boundary.
 */
export function* graphemeSegments(text: string, from = 0, to = text.length): Generator<Grapheme> {
  let start = from;
  while (start < to) {
    // A code unit with sure boundaries on both sides is a cluster by itself: no segmenter needed.
    if (isSureBoundary(text, start + 1)) {
      yield { segment: text.charAt(start), index: start };
      start += 1;
      continue;
    }
    const end = Math.min(to, sureBoundaryAfter(text, start + 1));
    graphemeWork.segmentedUnits += end - start;
    for (const { segment, index } of segmenter.segment(text.slice(start, end))) yield { segment, index: start + index };
    start = end;
  }
}

/** The grapheme clusters of `text`, in order (linear in its length). */
export function graphemesOf(text: string): string[] {
  return Array.from(graphemeSegments(text), (g) => g.segment);
}

/**
 * The grapheme boundary before `at` (0 at the start); `at` must be a boundary. Looks only as far back
 * as the last sure boundary, so its work does not grow with the text.
 */
export function previousBoundary(text: string, at: number): number {
  if (at <= 0) return 0;
  let last = sureBoundaryBefore(text, at);
  for (const g of graphemeSegments(text, last, at)) last = g.index;
  return last;
}

/** The grapheme boundary after `at` (the end at the latest); `at` must be a boundary. */
export function nextBoundary(text: string, at: number): number {
  if (at >= text.length) return text.length;
  const to = sureBoundaryAfter(text, at);
  for (const g of graphemeSegments(text, at, to)) return g.index + g.segment.length;
  return to;
}

/** The first grapheme boundary at or after `at`. */
export function boundaryAtOrAfter(text: string, at: number): number {
  if (at <= 0 || at >= text.length) return Math.max(0, Math.min(at, text.length));
  if (isSureBoundary(text, at)) return at;
  const from = sureBoundaryBefore(text, at);
  const to = sureBoundaryAfter(text, at);
  for (const g of graphemeSegments(text, from, to)) if (g.index >= at) return g.index;
  return to;
}
