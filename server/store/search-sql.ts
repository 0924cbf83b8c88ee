import { PART_MARK, quoteLexeme } from '../../shared/search/index.js';
import type { ParsedQuery, QueryItem, QueryWord } from '../../shared/search/index.js';

/**
 * Which lexemes a query word may match in a message's tsvector (written by `toTsvector`, which spells a
 * term's kind in its lexeme): `exact` its form as a whole token (`form`); `parts` as a whole token or a
 * part (`form | ^form`); `all` those or one of its stems (`~stem`). None restricts a weight, so the GIN
 * index answers a query without a phrase exactly, without reading the rows to recheck it.
 */
export type TsqueryScope = 'all' | 'parts' | 'exact';

function wordQuery(word: QueryWord, scope: TsqueryScope): string {
  const lexemes = [word.form, ...(scope === 'exact' ? [] : [PART_MARK + word.form]), ...(scope === 'all' ? word.stems : [])].map(quoteLexeme);
  return lexemes.length === 1 ? (lexemes[0] as string) : `(${lexemes.join(' | ')})`;
}

function itemQuery(item: QueryItem, scope: TsqueryScope): string {
  const words = item.words.map((w) => wordQuery(w, scope));
  return words.length === 1 ? (words[0] as string) : `(${words.join(' <-> ')})`;
}

/**
 * A parsed query as PostgreSQL `tsquery` input (cast with `::tsquery`): groups joined by `&`, the
 * items of a group by `|`, a phrase's words by `<->` (parts and stems share their token's position,
 * so a phrase matches through them), excluded items by `& !` (of any kind, whatever the scope).
 * Null for a query with no group.
 */
export function toTsquery(query: ParsedQuery, scope: TsqueryScope = 'all'): string | null {
  if (query.groups.length === 0) return null;
  const groups = query.groups.map((g) => (g.length === 1 ? itemQuery(g[0] as QueryItem, scope) : `(${g.map((i) => itemQuery(i, scope)).join(' | ')})`));
  const excluded = query.excluded.map((i) => `!${itemQuery(i, 'all')}`);
  return [...groups, ...excluded].join(' & ');
}

/** What a candidate pass is limited to besides the query (as SQL placeholders already bound by the caller). */
export interface CandidateFilters {
  /** The rooms, a `uuid[]` placeholder. */
  readonly rooms: string;
  /** A `uuid` placeholder for the sender, when the search names one. */
  readonly sender?: string;
  /** `timestamptz` placeholders for the time range, when given (the search's own, or a window of it). */
  readonly since?: string;
  readonly until?: string;
  /** A `uuid[]` placeholder of messages to leave out (an earlier pass's). */
  readonly without?: string;
}

/**
 * SQL selecting the newest `limit` searchable messages matching the `tsquery` placeholder `tsquery`,
 * as `(id, created_at)` rows newest first: texts (`body IS NOT NULL`, the GIN index's predicate) that
 * are the latest of their message (not superseded by an edit) and a message, an edit or a reply (a
 * reaction is nothing to find). The match is the GIN index's `room_events_search` (migration 015), or a
 * filter on the rows when the planner walks `room_events_recent` newest first instead.
 */
export function ginCandidates(tsquery: string, filters: CandidateFilters, limit: number): string {
  const conds = [
    'e.body IS NOT NULL',
    `e.search @@ ${tsquery}::tsquery`,
    `e.room_id = ANY (${filters.rooms}::uuid[])`,
    'NOT e.superseded',
    "(e.relation_type IS NULL OR e.relation_type IN ('edit', 'reply'))",
  ];
  if (filters.sender) conds.push(`e.sender_id = ${filters.sender}`);
  if (filters.since) conds.push(`e.created_at >= ${filters.since}`);
  if (filters.until) conds.push(`e.created_at <= ${filters.until}`);
  if (filters.without) conds.push(`NOT (e.id = ANY (${filters.without}::uuid[]))`);
  return `SELECT e.id, e.created_at FROM room_events e WHERE ${conds.join(' AND ')} ORDER BY e.created_at DESC LIMIT ${limit}`;
}
