/**
 * Characters of scripts written without spaces between words (Han, kana, Hangul, Thai, their
 * punctuation and full-width forms) and emoji: a text may be cut between any two of them, as at a
 * space, so a cut made to fit a width need not go back to the last space (which may be far off, or
 * absent).
 */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}\p{Extended_Pictographic}\u3000-\u303f\uff00-\uffef]/u;

/**
 * Whether the boundary between graphemes `before` and `after` lies inside a run of unspaced text (see
 * UNSPACED): neither is white space and at least one is such a character. False when either is absent.
 */
export function insideUnspacedRun(before: string | undefined, after: string | undefined): boolean {
  if (before === undefined || after === undefined || /\s/.test(before) || /\s/.test(after)) return false;
  return UNSPACED.test(before) || UNSPACED.test(after);
}
