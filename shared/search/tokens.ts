import { stemmer as stemFrench } from '@orama/stemmers/french';
import { stemmer as stemGerman } from '@orama/stemmers/german';
import { stemmer as stemRussian } from '@orama/stemmers/russian';
import { stemmer as stemSpanish } from '@orama/stemmers/spanish';
import { stem as stemEnglish } from 'porter2';
import { detect } from 'tinyld/light';

/**
 * The search tokenizer: one list of terms per text, the same for the server's index (a PostgreSQL
 * `tsvector`, see `toTsvector`) and the device's (MiniSearch, see message-index.ts), so that one query
 * finds the same messages in open and private rooms.
 *
 * A text is cut into tokens; each token yields terms of three kinds, which rank in this order:
 * - `exact`: the whole token, lower case with accents folded ("Café" → `cafe`, "Straße" → `strasse`),
 *   keeping the symbols that carry meaning (`c++`, `c#`, `.net`, `node.js`, `plt-3699`); a run of CJK
 *   characters gives its overlapping character bigrams ("東京都" → `東京`, `京都`; a lone character itself);
 * - `part`: the pieces of a token joined by `. - _ @ / \ : '` (a host, an e-mail address, a path, an
 *   id): `dana.smith@example.com` → `dana.smith`, `example.com`, `dana`, `smith`, `example`, `com`;
 *   and every run of neighbouring pieces between `@ / \ :` (up to eight pieces): `srv-web03.lan` →
 *   `srv-web03`, `web03.lan`, `srv`, `web03`, `lan`; and those pieces written together (`srvweb03lan`,
 *   "e-mail" → `email`, "node.js" → `nodejs`), as people also type them;
 * - `stem`: the Snowball stem of each alphabetic piece (English: Porter2, Snowball's English stemmer, via
 *   porter2; the others via @orama/stemmers) in the language of the text — Russian for Cyrillic, else the
 *   text's detected language among English, German, French and Spanish (tinyld), English when undetected,
 *   and the English stem as well — of words of three letters or more, marked with a leading `~` so that a
 *   stem never equals a whole word (`~deploy` for "deploying", `~secret` for "secretly", `~bug` for "bugs").
 * There are no stop words: "IT" is the term `it`.
 */

/** The kind of a term; exact ranks above part, part above stem. */
export type TermKind = 'exact' | 'part' | 'stem';

/** A term of a text: its form, kind, token position (from 1; parts and stems share their token's) and [start, end) offsets in the text. */
export interface Term {
  readonly form: string;
  readonly kind: TermKind;
  readonly position: number;
  readonly start: number;
  readonly end: number;
}

/** The languages stems are made for (ISO 639-1). */
export type StemLanguage = 'en' | 'de' | 'fr' | 'es' | 'ru';

const STEMMERS: Record<StemLanguage, (word: string) => string> = {
  en: stemEnglish,
  de: stemGerman,
  fr: stemFrench,
  es: stemSpanish,
  ru: stemRussian,
};
const LATIN_LANGUAGES: readonly StemLanguage[] = ['en', 'de', 'fr', 'es'];
/** Prefix of stem terms. */
export const STEM_MARK = '~';
/** Longer tokens are not indexed whole (their parts are), in characters; PostgreSQL caps a lexeme at 2 KiB. */
export const MAX_TERM_CHARS = 64;

const W = String.raw`[\p{L}\p{N}\p{M}]`;
/**
 * A token: an optional leading dot before a letter (`.NET`) where no word precedes, word characters
 * joined by single connectors (or `://`), and an optional `++` or `#` suffix (`C++`, `C#`).
 */
const TOKEN = new RegExp(
  String.raw`(?:(?<![\p{L}\p{N}\p{M}.])\.(?=\p{L}))?${W}+(?:(?::\/\/|[.\-_@/\\:'’])${W}+)*(?:\+\+|#)?(?![\p{L}\p{N}])`,
  'gu',
);
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー々]+/gu;
const HAS_CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const CONNECTORS = /[.\-_@/\\:'’]+/u;
/**
 * The most pieces of a token joined into one part term (see plainToken): a token of n pieces gives
 * fewer than n × MAX_RUN_PIECES such terms, not n².
 */
const MAX_RUN_PIECES = 8;
/** Strong connectors: what they join are parts in their own right (a domain, a path segment). */
const STRONG = /:\/\/|[@/\\:]/u;
const MARKS = /\p{M}+/gu;
const LETTERS = /^\p{L}+$/u;
const CYRILLIC = /\p{Script=Cyrillic}/u;
const LATIN = /\p{Script=Latin}/u;
/** Letters that NFKD does not take apart. */
const SPECIAL: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ð: 'd', ł: 'l', ı: 'i', þ: 'th', '\u2019': "'" };
const SPECIAL_RE = /[ßæœøđðłıþ’]/gu;
const ASCII = /^[\x00-\x7f]*$/;

/**
 * Lower case, compatibility-decomposed (NFKD: full-width and ligature forms become plain letters),
 * marks removed ("résumé" → "resume", "Bäume" → "baume", "ё" → "е"), and the letters NFKD leaves whole
 * spelled out (ß → ss, æ → ae, ø → o, ł → l…). Cyrillic й is kept: it is a letter of its own, not и with a mark.
 */
export function fold(text: string): string {
  // Plain ASCII has nothing to decompose, strip or spell out (most of chat, and most of the cost).
  if (ASCII.test(text)) return text.toLowerCase();
  return text
    .toLowerCase()
    .replace(/й/gu, '\u0000')
    .normalize('NFKD')
    .replace(MARKS, '')
    .replace(SPECIAL_RE, (c) => SPECIAL[c] as string)
    .replace(/\u0000/gu, 'й')
    .normalize('NFC');
}

/**
 * The language whose stems a text's Latin-script words get: the detected one among English, German,
 * French and Spanish (tinyld, light model), English when detection is unsure. Cyrillic words are
 * always stemmed as Russian.
 */
export function detectLanguage(text: string): StemLanguage {
  if (!LATIN.test(text)) return 'en';
  // The first few hundred characters tell the language as well as the whole, at a fraction of the cost.
  const found = detect(text.slice(0, 300), { only: LATIN_LANGUAGES as string[] });
  return (LATIN_LANGUAGES as readonly string[]).includes(found) ? (found as StemLanguage) : 'en';
}

/** The fewest letters a word needs to get a stem term: three, so that `bug` finds "bugs" and `run` "running". */
const MIN_STEM_LETTERS = 3;

/** Stems already made, by language and lower-case word (chat vocabularies repeat); emptied when full. */
const stemCache = new Map<string, string>();
const STEM_CACHE_SIZE = 50_000;

/** The stem term of one alphabetic word in `language` (a Cyrillic word always in Russian), or null for a word not worth stemming. */
function stemOf(word: string, language: StemLanguage): string | null {
  if (word.length < MIN_STEM_LETTERS || !LETTERS.test(word)) return null;
  const lang = CYRILLIC.test(word) ? 'ru' : LATIN.test(word) ? language : null;
  if (!lang) return null;
  const lower = word.toLowerCase();
  const key = `${lang}:${lower}`;
  let stem = stemCache.get(key);
  if (stem === undefined) {
    if (stemCache.size >= STEM_CACHE_SIZE) stemCache.clear();
    stem = STEM_MARK + fold(STEMMERS[lang](lower));
    stemCache.set(key, stem);
  }
  return stem;
}

/**
 * Whether a word gets the same stem terms in whatever language its text is: no stem at all (short,
 * not all letters, no Latin or Cyrillic), a Cyrillic word (always Russian), or a Latin word whose
 * Snowball stems in English, German, French and Spanish are one. Such a word needs no language
 * detection (tinyld, the largest part of `toTsvector`'s time): its terms are the English stem alone.
 */
function sameStemEverywhere(word: string): boolean {
  let same = sameStemCache.get(word);
  if (same === undefined) {
    const en = stemOf(word, 'en');
    same = en === null || CYRILLIC.test(word) || (stemOf(word, 'de') === en && stemOf(word, 'fr') === en && stemOf(word, 'es') === en);
    if (sameStemCache.size >= STEM_CACHE_SIZE) sameStemCache.clear();
    sameStemCache.set(word, same);
  }
  return same;
}
/** `sameStemEverywhere`'s answers, by word as written; emptied when full. */
const sameStemCache = new Map<string, boolean>();

/**
 * The stem terms a query word may match: its stems in every language of its script (a query is too
 * short to tell its language), without repeats.
 */
export function queryStems(word: string): string[] {
  if (!LETTERS.test(word) || word.length < MIN_STEM_LETTERS) return [];
  const languages: readonly StemLanguage[] = CYRILLIC.test(word) ? ['ru'] : LATIN.test(word) ? LATIN_LANGUAGES : [];
  return [...new Set(languages.map((l) => stemOf(word, l)).filter((s): s is string => s !== null))];
}

/** Options of `analyze`. */
export interface AnalyzeOptions {
  /**
   * The language of the text's Latin-script words, when known; detected otherwise. `all` stems them
   * in every supported language without detecting (cheaper; for marking matches the index already
   * decided, as the server's snippets do).
   */
  readonly language?: StemLanguage | 'all';
  /** Leave out stems (a query makes its own, in every language: see `queryStems`). */
  readonly stems?: boolean;
  /**
   * Stem only the words (folded, lower case) this accepts; the others get no stem term. For
   * matching a known query: a Snowball stem keeps its word's first letters, so only words that begin
   * as one of the query's stems can match through a stem (see `matchText`).
   */
  readonly stemWhen?: (folded: string) => boolean;
}

/** The terms of `text`, in text order (see the module comment for what each kind holds). */
export function analyze(text: string, options: AnalyzeOptions = {}): Term[] {
  const terms: Term[] = [];
  const withStems = options.stems ?? true;
  let language: StemLanguage | 'all' | undefined = options.language;
  let position = 0;
  // The text's language, detected at most once and only for a word whose stems differ by language;
  // a word that stems alike everywhere takes English, which gives it that same single stem.
  const languageOf = (sameAnyway?: () => boolean): StemLanguage | 'all' => language ?? (sameAnyway?.() ? 'en' : (language = detectLanguage(text)));
  for (const m of text.matchAll(TOKEN)) {
    const raw = m[0];
    const at = m.index;
    if (HAS_CJK.test(raw)) {
      // CJK runs as bigrams; the rest of the token (Latin letters, digits) as tokens of their own.
      let last = 0;
      for (const run of raw.matchAll(CJK)) {
        if (run.index > last) position = plainToken(raw.slice(last, run.index), at + last, position, terms, withStems, languageOf, options.stemWhen);
        const chars = [...run[0]];
        let offset = at + run.index;
        if (chars.length === 1) terms.push({ form: fold(run[0]), kind: 'exact', position: ++position, start: offset, end: offset + run[0].length });
        for (let i = 0; i + 1 < chars.length; i++) {
          const a = chars[i] as string;
          const b = chars[i + 1] as string;
          terms.push({ form: fold(a + b), kind: 'exact', position: ++position, start: offset, end: offset + a.length + b.length });
          offset += a.length;
        }
        last = run.index + run[0].length;
      }
      if (last < raw.length) position = plainToken(raw.slice(last), at + last, position, terms, withStems, languageOf, options.stemWhen);
      continue;
    }
    position = plainToken(raw, at, position, terms, withStems, languageOf, options.stemWhen);
  }
  // A token of marks only (U+FE0F after an emoji, a lone combining accent) folds to nothing, and a
  // stem of a very long word can outgrow the limit: neither is a term (PostgreSQL refuses an empty
  // lexeme, and one over 2,047 bytes).
  return terms.filter((t) => t.form.length > 0 && t.form.length <= MAX_TERM_CHARS + 1);
}

/** Adds the terms of one non-CJK token found at `at`; returns the last position used. */
function plainToken(raw: string, at: number, position: number, terms: Term[], withStems: boolean, language: (sameAnyway?: () => boolean) => StemLanguage | 'all', stemWhen?: (folded: string) => boolean): number {
  const token = raw.replace(/^[.\-_@/\\:'’]+|[.\-_@/\\:'’]+$/gu, (s) => (s === '.' && raw.startsWith('.') && /^\.\p{L}/u.test(raw) ? s : ''));
  if (token.length === 0) return position;
  const start = at + raw.indexOf(token);
  const pos = position + 1;
  const whole = fold(token);
  if (whole.length <= MAX_TERM_CHARS) terms.push({ form: whole, kind: 'exact', position: pos, start, end: start + token.length });
  const symbolic = /(?:\+\+|#)$/u.test(token) || token.startsWith('.');
  if (!symbolic && CONNECTORS.test(token)) {
    const seen = new Set([whole]);
    const add = (piece: string, offset: number) => {
      const form = fold(piece);
      if (form.length === 0 || form.length > MAX_TERM_CHARS || seen.has(form)) return;
      seen.add(form);
      terms.push({ form, kind: 'part', position: pos, start: start + offset, end: start + offset + piece.length });
    };
    // Segments between strong connectors (the local part and domain of an address, a path's
    // segments), then every piece between any connectors.
    const segments = STRONG.test(token) ? pieces(token, /:\/\/|[@/\\:]/gu) : [{ text: token, offset: 0 }];
    for (const seg of segments) {
      if (seg.text !== token && CONNECTORS.test(seg.text)) add(seg.text, seg.offset);
      // Every run of two or more neighbouring pieces of the segment (up to MAX_RUN_PIECES): a host
      // name's parent domains ("status.acme.io" → "acme.io") and its leading parts ("srv-web03.lan" →
      // "srv-web03", "web03.lan"), an id's prefix ("plt-3699-b" → "plt-3699").
      const parts = pieces(seg.text, /[.\-_'’]+/gu);
      // The segment's pieces written together, as people also type them: "e-mail" → `email`,
      // "on-call" → `oncall`, "node.js" → `nodejs`, "PLT-3699" → `plt3699` (spanning the segment).
      if (parts.length > 1) {
        const joined = fold(parts.map((part) => part.text).join(''));
        if (joined.length > 0 && joined.length <= MAX_TERM_CHARS && !seen.has(joined)) {
          seen.add(joined);
          terms.push({ form: joined, kind: 'part', position: pos, start: start + seg.offset, end: start + seg.offset + seg.text.length });
        }
      }
      for (let i = 0; i < parts.length; i++) {
        const first = parts[i] as { text: string; offset: number };
        for (let j = i + 1; j < Math.min(parts.length, i + MAX_RUN_PIECES); j++) {
          if (i === 0 && j === parts.length - 1) continue; // the segment itself
          const last = parts[j] as { text: string; offset: number };
          add(seg.text.slice(first.offset, last.offset + last.text.length), seg.offset + first.offset);
        }
      }
    }
    for (const piece of pieces(token, /[.\-_@/\\:'’]+/gu)) add(piece.text, piece.offset);
  }
  if (withStems) {
    const words = symbolic ? [] : LETTERS.test(token) ? [{ text: token, offset: 0 }] : pieces(token, /[^\p{L}]+/gu);
    const seen = new Set<string>();
    for (const w of words) {
      if (stemWhen && !stemWhen(fold(w.text))) continue;
      // The detected language's stem, and the English one (detection is unsure on a few words, and
      // technical chat mixes English into every language). A word that stems alike in every language
      // (no stem, a Cyrillic word, or the same Snowball stem in each) gets that one stem whatever the
      // text's language is, so it asks for no detection (see `sameStemEverywhere`).
      const lang = language(() => sameStemEverywhere(w.text));
      for (const l of lang === 'all' ? LATIN_LANGUAGES : lang === 'en' ? (['en'] as const) : ([lang, 'en'] as const)) {
        const s = stemOf(w.text, l);
        if (s && !seen.has(s)) {
          seen.add(s);
          terms.push({ form: s, kind: 'stem', position: pos, start: start + w.offset, end: start + w.offset + w.text.length });
        }
      }
    }
  }
  return pos;
}

/** The non-empty pieces of `text` between matches of `separator` (a global regex), with their offsets. */
function pieces(text: string, separator: RegExp): { text: string; offset: number }[] {
  const out: { text: string; offset: number }[] = [];
  let last = 0;
  for (const m of text.matchAll(separator)) {
    if (m.index > last) out.push({ text: text.slice(last, m.index), offset: last });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last), offset: last });
  return out;
}

const WEIGHT: Record<TermKind, string> = { exact: 'A', part: 'B', stem: 'C' };
/**
 * The version of the terms this tokenizer writes; raise it with any change to `analyze` that changes a
 * text's terms. Stores keep it beside each message's terms, and the re-index the server runs at start
 * rewrites the terms of every message written by an older version (0: before versions were kept).
 * 1: runs of neighbouring pieces as parts (`srv-web03` of "srv-web03.lan"); 2: a segment's pieces
 * written together as a part (`email` of "e-mail"); 3: English stems by Porter2 (Snowball's English
 * stemmer) instead of Porter's 1980 algorithm, which kept "-ly" (`~secret` of "secretly", was `~secretli`),
 * and words of three letters stemmed too (`~bug` of "bug", which "bugs" is also). (How `toTsvector` spells the kinds in lexemes is the
 * SQL store's format, converted in SQL by migration 015's re-index.)
 */
export const SEARCH_TERMS_VERSION = 3;

/**
 * Prefix of a part's lexeme in a `tsvector` (see `toTsvector`). No term of `analyze` begins with it: a
 * whole token and a part begin with a folded letter, digit or mark (or `.` of `.NET`; folding gives at
 * most a space, `(` or a letter first), a stem with STEM_MARK.
 */
export const PART_MARK = '^';

/** tsvector positions stop at 16383. */
const MAX_POSITION = 16_383;

/** A lexeme quoted for PostgreSQL's tsvector and tsquery input syntax. */
export function quoteLexeme(form: string): string {
  return `'${form.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** A term's lexeme in a `tsvector`: a whole token as its form, a part as PART_MARK + form, a stem as its form (which begins with STEM_MARK). */
export function lexemeOf(form: string, kind: TermKind): string {
  return kind === 'part' ? PART_MARK + form : form;
}

/**
 * The terms of `text` as PostgreSQL `tsvector` input (for the 'simple', language-neutral
 * configuration: the lexemes are ours, cast with `::tsvector`): each term at its token position, its
 * kind spelled in the lexeme (see `lexemeOf`: a GIN index then tells a whole token from a part or a
 * stem without reading the row, which a weight would need) and weighted as well, A exact, B part,
 * C stem (for `ts_rank`). Empty text gives the empty string (an empty tsvector).
 */
export function toTsvector(text: string, options: AnalyzeOptions = {}): string {
  const byLexeme = new Map<string, string[]>();
  for (const t of analyze(text, options)) {
    const lexeme = lexemeOf(t.form, t.kind);
    const list = byLexeme.get(lexeme) ?? [];
    list.push(`${Math.min(t.position, MAX_POSITION)}${WEIGHT[t.kind]}`);
    byLexeme.set(lexeme, list);
  }
  return [...byLexeme].map(([lexeme, positions]) => `${quoteLexeme(lexeme)}:${positions.join(',')}`).join(' ');
}
