import { quoteLexeme } from '../../shared/search/index.js';
import type { ParsedQuery, QueryItem, QueryWord } from '../../shared/search/index.js';

/**
 * Which lexemes a query word may match in a message's tsvector (written by `toTsvector`):
 * `all` its form at any weight (a whole token, A, or a part, B) or one of its stems (C); `forms` its
 * form at any weight, no stems (the GIN index answers it without reading the rows, unlike a weight);
 * `parts` its form at A or B only; `exact` its form as a whole token (A) only.
 */
export type TsqueryScope = 'all' | 'forms' | 'parts' | 'exact';

function wordQuery(word: QueryWord, scope: TsqueryScope): string {
  const form = quoteLexeme(word.form);
  if (scope === 'exact') return `${form}:A`;
  if (scope === 'parts') return `${form}:AB`;
  if (scope === 'forms') return form;
  return word.stems.length === 0 ? form : `(${[form, ...word.stems.map(quoteLexeme)].join(' | ')})`;
}

function itemQuery(item: QueryItem, scope: TsqueryScope): string {
  const words = item.words.map((w) => wordQuery(w, scope));
  return words.length === 1 ? (words[0] as string) : `(${words.join(' <-> ')})`;
}

/**
 * A parsed query as PostgreSQL `tsquery` input (cast with `::tsquery`): groups joined by `&`, the
 * items of a group by `|`, a phrase's words by `<->` (parts and stems share their token's position,
 * so a phrase matches through them), excluded items by `& !` (at any weight, whatever the scope).
 * Null for a query with no group.
 */
export function toTsquery(query: ParsedQuery, scope: TsqueryScope = 'all'): string | null {
  if (query.groups.length === 0) return null;
  const groups = query.groups.map((g) => (g.length === 1 ? itemQuery(g[0] as QueryItem, scope) : `(${g.map((i) => itemQuery(i, scope)).join(' | ')})`));
  const excluded = query.excluded.map((i) => `!${itemQuery(i, 'all')}`);
  return [...groups, ...excluded].join(' & ');
}
