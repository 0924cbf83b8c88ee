import { toTsvector } from '../../shared/search/index.js';

/**
 * A query parameter that stands for the search terms (`toTsvector`, as `tsvector` text) of a message's
 * text, or of a list of texts for an array parameter (`$n::tsvector[]`); a null text has no terms (null).
 * The store passes the texts and the SqlClient decides on which thread the terms are made: the embedded
 * database's worker makes them there, beside the insert (see pglite-worker.ts), so that the language
 * detection that is most of their cost (~140 µs a sentence) does not run on the event loop; the other
 * clients make them on the calling thread just before the query is sent (`withSearchTerms`).
 * The terms are the same wherever they are made: the one function `toTsvector` makes them.
 */
export class SearchTermsOf {
  constructor(readonly texts: string | null | readonly (string | null)[]) {}
}

/** The terms of `texts` as a query parameter takes them: a tsvector's text, an array of them, or null. */
export function searchTermsOf(texts: string | null | readonly (string | null)[]): string | null | (string | null)[] {
  if (typeof texts === 'string') return toTsvector(texts);
  if (texts === null) return null;
  return texts.map((text) => (text === null ? null : toTsvector(text)));
}

/** `params` with each SearchTermsOf replaced by the terms of its texts (the rest as they are). */
export function withSearchTerms(params: readonly unknown[] | undefined): unknown[] | undefined {
  if (params === undefined || !params.some((p) => p instanceof SearchTermsOf)) return params as unknown[] | undefined;
  return params.map((p) => (p instanceof SearchTermsOf ? searchTermsOf(p.texts) : p));
}

/**
 * `params` as they cross to the database's thread: each SearchTermsOf replaced by its bare texts
 * (a class does not survive `postMessage`), and `terms` the positions of those parameters, for
 * `makeSearchTerms` on the other side; `terms` is undefined when there are none.
 */
export function searchTextsToSend(params: readonly unknown[] | undefined): { params: readonly unknown[] | undefined; terms: number[] | undefined } {
  if (params === undefined || !params.some((p) => p instanceof SearchTermsOf)) return { params, terms: undefined };
  const terms: number[] = [];
  const sent = params.map((p, i) => {
    if (!(p instanceof SearchTermsOf)) return p;
    terms.push(i);
    return p.texts;
  });
  return { params: sent, terms };
}

/**
 * On the database's thread: `params` (as `searchTextsToSend` sent them) with the texts at the positions
 * `terms` replaced by their search terms. Throws a TypeError when such a parameter is not a text, null
 * or a list of them.
 */
export function makeSearchTerms(params: readonly unknown[] | undefined, terms: readonly number[] | undefined): unknown[] | undefined {
  if (params === undefined || terms === undefined || terms.length === 0) return params as unknown[] | undefined;
  const made = [...params];
  for (const i of terms) {
    const texts = made[i];
    if (!isTexts(texts)) throw new TypeError(`parameter ${i + 1} should hold the text(s) to make search terms of`);
    made[i] = searchTermsOf(texts);
  }
  return made;
}

function isTexts(value: unknown): value is string | null | (string | null)[] {
  return value === null || typeof value === 'string' || (Array.isArray(value) && value.every((v) => v === null || typeof v === 'string'));
}
