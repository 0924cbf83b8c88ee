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

/** Which messages a candidate pass collects: whole-token matches only, or every match (parts and stems too). */
export type PostingsScope = 'exact' | 'all';

/** What a candidate pass is limited to besides the query (as SQL placeholders already bound by the caller). */
export interface PostingsFilters {
  /** The rooms, a `uuid[]` placeholder. */
  readonly rooms: string;
  /** A `uuid` placeholder for the sender, when the search names one. */
  readonly sender?: string;
  /** `timestamptz` placeholders for the time range, when given. */
  readonly since?: string;
  readonly until?: string;
  /** The pass's whole query as a `tsquery` placeholder (phrases are checked against the stored tsvector). */
  readonly tsquery: string;
}

/**
 * SQL selecting the newest `limit` messages matching `query` in `scope`, as `(created_at, room_id, seq)`
 * rows newest first, from the postings of migration 014 (`search_terms`, btree (term, created_at DESC,
 * room_id, seq)): the postings of the driving group's words (the group at `driver`) are read newest
 * first, one index range per term merged in time order, and each is kept when every other group has a
 * posting at the same message (an index probe each), no excluded word has one, and — only for a query
 * with a phrase — the message's tsvector matches the pass's tsquery. Index-only unless the query has a
 * phrase or a sender. `param` binds a value and returns its placeholder. Empty for a query with no group.
 */
export function postingsCandidates(query: ParsedQuery, scope: PostingsScope, filters: PostingsFilters, limit: number, param: (value: unknown) => string, driver = 0): string {
  const group = query.groups[driver];
  if (!group) return '';
  const kind = (alias: string) => (scope === 'exact' ? ` AND ${alias}.kind = 1` : '');
  const termsOf = (word: QueryWord, s: PostingsScope) => (s === 'exact' ? [word.form] : [word.form, ...word.stems]);
  const probe = (word: QueryWord, s: PostingsScope) =>
    `EXISTS (SELECT 1 FROM search_terms b WHERE b.term = ANY (${param(termsOf(word, s))}::text[]) AND b.created_at = a.created_at AND b.room_id = a.room_id AND b.seq = a.seq${s === 'exact' ? ' AND b.kind = 1' : ''})`;
  const itemCond = (item: QueryItem) => item.words.map((w) => probe(w, scope)).join(' AND ');
  const groupCond = (g: readonly QueryItem[]) => (g.length === 1 ? itemCond(g[0] as QueryItem) : `(${g.map((i) => `(${itemCond(i)})`).join(' OR ')})`);
  const time = `${filters.since ? ` AND created_at >= ${filters.since}` : ''}${filters.until ? ` AND created_at <= ${filters.until}` : ''}`;
  // The driving group's first words' terms, each one ordered index range.
  const driving = [...new Set(group.flatMap((item) => termsOf(item.words[0] as QueryWord, scope)))];
  const branches = driving.map(
    (t) => `SELECT created_at, room_id, seq FROM search_terms a WHERE term = ${param(t)} AND room_id = ANY (${filters.rooms}::uuid[])${kind('a')}${time}`,
  );
  const conds: string[] = [];
  // The driving group holds when its one item is one word (its postings are the rows read).
  if (group.length > 1 || (group[0] as QueryItem).words.length > 1) conds.push(groupCond(group));
  query.groups.forEach((g, i) => i !== driver && conds.push(groupCond(g)));
  for (const item of query.excluded) if (item.words.length === 1) conds.push(`NOT ${probe(item.words[0] as QueryWord, 'all')}`);
  if (filters.sender) conds.push(`EXISTS (SELECT 1 FROM room_events e WHERE e.room_id = a.room_id AND e.seq = a.seq AND e.sender_id = ${filters.sender})`);
  const phrases = [...query.groups.flat(), ...query.excluded].some((i) => i.words.length > 1);
  if (phrases) conds.push(`(SELECT e.search FROM room_events e WHERE e.room_id = a.room_id AND e.seq = a.seq) @@ ${filters.tsquery}::tsquery`);
  return `SELECT DISTINCT a.created_at, a.room_id, a.seq FROM (${branches.join(' UNION ALL ')}) a
         ${conds.length > 0 ? `WHERE ${conds.join('\n           AND ')}` : ''}
         ORDER BY a.created_at DESC, a.room_id, a.seq LIMIT ${limit}`;
}
