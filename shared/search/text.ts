/** Words and their places in a text, the way search and the summarizer both see them. */

/** A word of the text: where it is, and its normalized form (lower case, accents removed). */
export interface Word {
  readonly start: number;
  readonly end: number;
  readonly norm: string;
}

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;
const MARKS = /\p{M}+/gu;

/** Lower case without accents: "Café" and "cafe" are the same word. */
export function normalize(word: string): string {
  return word.normalize('NFD').replace(MARKS, '').toLowerCase().replace(/’/g, "'");
}

export function wordsOf(text: string): Word[] {
  const words: Word[] = [];
  for (const m of text.matchAll(WORD)) words.push({ start: m.index, end: m.index + m[0].length, norm: normalize(m[0]) });
  return words;
}

/** The normalized words alone. */
export function tokenize(text: string): string[] {
  return wordsOf(text).map((w) => w.norm);
}

/**
 * Common English words that carry no subject: left out of topics and sentence similarity (search
 * keeps them, so that a quoted phrase still matches as written).
 */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    "a about above after again against all almost also am an and any anyone anything anybody are aren't around as at back be because been before " +
    "being below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't done down during each else even ever " +
    'every everyone everybody few for from further get gets getting go goes going gone got gotta had hadn\'t has hasn\'t have haven\'t having he he\'d he\'ll he\'s her here ' +
    "here's hers herself hey hi him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself just know let let's like lol " +
    'maybe me might more most much must mustn\'t my myself need no nor not now of off oh ok okay on once one only or other ought our ours ourselves ' +
    "out over own really right said same say says see seems shall shan't she she'd she'll she's should shouldn't so some someone somebody something still such sure " +
    "than thank thanks that that's the their theirs them themselves then there there's these they they'd they'll they're they've thing things think " +
    "this those though through to too under until up us very want was wasn't way we we'd we'll we're we've well were weren't what what's when " +
    "when's where where's which while who who's whom why why's will with won't would wouldn't yeah yes yet you you'd you'll you're you've your yours " +
    'yourself yourselves'
  ).split(' '),
);

/** A light suffix stripper so that "deploys", "deploying" and "deployed" count as one word. */
export function stem(word: string): string {
  if (word.length <= 4) return word;
  for (const [suffix, min] of [
    ['ational', 5],
    ['ations', 4],
    ['ation', 4],
    ['ings', 4],
    ['ing', 4],
    ['edly', 4],
    ['ed', 4],
    ['ies', 3],
    ['es', 4],
    ['s', 4],
  ] as const) {
    if (word.endsWith(suffix) && word.length - suffix.length >= min) {
      const base = word.slice(0, -suffix.length);
      if (suffix === 'ies') return `${base}y`;
      if (suffix === 's' && (base.endsWith('s') || base.endsWith('u'))) return word;
      return base;
    }
  }
  return word;
}

/** The words that say something: no stopwords, no numbers alone, at least three letters, stemmed. */
export function contentWords(text: string): string[] {
  return tokenize(text)
    .filter((w) => w.length >= 3 && !STOPWORDS.has(w) && !/^\d+$/.test(w))
    .map(stem);
}
