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
  /** Only the messages of a window (see timeWindow): `tsquery` and `timestamptz` placeholders; all when absent. */
  readonly window?: { readonly tsquery: string; readonly start: string };
}

/**
 * The time-bucket lexemes (migration 015: `@h:YYYY-MM-DDTHH` and `@d:YYYY-MM-DD`, UTC) of every message
 * stored since the start of the hour (windows up to 48 hours) or day (longer) `hours` hours before `now`
 * (the database's clock), and of the next hour or day (a clock a little ahead), as `tsquery` input; and
 * that start. Given as values, so that the planner sees how few messages the window holds.
 */
export function timeWindow(hours: number, now: Date): { tsquery: string; start: Date } {
  const day = hours > 48;
  const unitMs = day ? 86_400_000 : 3_600_000;
  const newest = Math.floor(now.getTime() / unitMs) * unitMs;
  const count = Math.ceil(day ? hours / 24 : hours);
  const lexemes: string[] = [];
  for (let i = -1; i < count; i++) {
    const iso = new Date(newest - i * unitMs).toISOString();
    lexemes.push(day ? `'@d:${iso.slice(0, 10)}'` : `'@h:${iso.slice(0, 13)}'`);
  }
  return { tsquery: lexemes.join(' | '), start: new Date(newest - (count - 1) * unitMs) };
}

/**
 * SQL selecting the newest `limit` searchable messages matching the `tsquery` placeholder `tsquery`,
 * as `(id, created_at)` rows newest first: texts (`body IS NOT NULL`, the GIN index's predicate) that
 * are the latest of their message (not superseded by an edit) and a message, an edit or a reply (a
 * reaction is nothing to find), within a window when given. The match is the GIN index's
 * `room_events_search` (migration 015; with a window the index intersects the query with the window's
 * time buckets itself), or a filter on the rows when the planner walks `room_events_recent` newest
 * first instead.
 */
export function ginCandidates(tsquery: string, filters: CandidateFilters, limit: number): string {
  const conds = [
    'e.body IS NOT NULL',
    filters.window === undefined ? `e.search @@ ${tsquery}::tsquery` : `e.search @@ (${tsquery}::tsquery && ${filters.window.tsquery}::tsquery)`,
    `e.room_id = ANY (${filters.rooms}::uuid[])`,
    'NOT e.superseded',
    "(e.relation_type IS NULL OR e.relation_type IN ('edit', 'reply'))",
  ];
  if (filters.sender) conds.push(`e.sender_id = ${filters.sender}`);
  if (filters.since) conds.push(`e.created_at >= ${filters.since}`);
  if (filters.until) conds.push(`e.created_at <= ${filters.until}`);
  if (filters.without) conds.push(`NOT (e.id = ANY (${filters.without}::uuid[]))`);
  // The window's start as well: the planner cannot see which buckets the query holds, and may walk
  // room_events_recent newest first; bounded, that walk stops at the window instead of the history's end.
  if (filters.window !== undefined) conds.push(`e.created_at >= ${filters.window.start}::timestamptz`);
  return `SELECT e.id, e.created_at FROM room_events e WHERE ${conds.join(' AND ')} ORDER BY e.created_at DESC LIMIT ${limit}`;
}
