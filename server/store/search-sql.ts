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
  /**
   * Only the messages of a window, as `tsquery` (its time buckets, see timeBuckets) and `timestamptz`
   * placeholders: those in the buckets from `start` and before `end`. All when absent.
   */
  readonly window?: { readonly tsquery: string; readonly start: string; readonly end: string };
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * The time-bucket lexemes (migration 015: `@h:YYYY-MM-DDTHH` and `@d:YYYY-MM-DD`, UTC) of every message
 * stored in [start, end) (ms since 1970, whole hours), as `tsquery` input (`'@d:…' | '@h:…'`; empty for an
 * empty range). A day in the range whole is its day lexeme, and so is today's when the range holds it
 * from its start to `now` (the database's clock; a day lexeme holds nothing newer), the hours of a
 * partial day are hour lexemes (none past the hour after `now`), and days after tomorrow (a clock a
 * little ahead) are left out. Given as values, so that the planner sees how few messages the range holds.
 * With `partialDays` 'day', a partial day is its day lexeme too: the lexemes then hold every message of
 * the range and others of its first and last days (for the caller's range on created_at to leave out).
 */
export function timeBuckets(start: number, end: number, now: Date, partialDays: 'hours' | 'day' = 'hours'): string {
  const at = now.getTime();
  const today = Math.floor(at / DAY_MS) * DAY_MS;
  const hoursEnd = Math.floor(at / HOUR_MS) * HOUR_MS + 2 * HOUR_MS;
  const lexemes: string[] = [];
  for (let day = Math.floor(start / DAY_MS) * DAY_MS; day < end && day <= today + DAY_MS; day += DAY_MS) {
    const from = Math.max(day, start);
    const to = Math.min(day + DAY_MS, end);
    if (partialDays === 'day' || (from === day && (to === day + DAY_MS || (day === today && to >= at)))) {
      lexemes.push(`'@d:${new Date(day).toISOString().slice(0, 10)}'`);
    } else {
      for (let t = from; t < Math.min(to, hoursEnd); t += HOUR_MS) lexemes.push(`'@h:${new Date(t).toISOString().slice(0, 13)}'`);
    }
  }
  return lexemes.reverse().join(' | ');
}

/**
 * The end of every window of a search (ms since 1970): past any message stored until `now`, by a day
 * and more (a clock a little ahead).
 */
export function windowsEnd(now: Date): number {
  return Math.floor(now.getTime() / DAY_MS) * DAY_MS + 2 * DAY_MS;
}

/** The start of a window of the last `hours` hours before `now`: rounded down to the hour, ms since 1970. */
export function windowStart(hours: number, now: Date): number {
  return Math.floor((now.getTime() - hours * HOUR_MS) / HOUR_MS) * HOUR_MS;
}

/** The queries a candidate is classed and ranked by (`tsquery` placeholders; see ginCandidates). */
export interface CandidateRanking {
  /** The query of whole tokens (class 3), of whole tokens or parts (class 2, else 1), and of any kind (ts_rank). */
  readonly exact: string;
  readonly parts: string;
  readonly all: string;
  /** ts_rank's weights of D, C (stems), B (parts), A (whole tokens), as a `float4[]` literal. */
  readonly weights: string;
}

/**
 * SQL selecting the newest `limit` searchable messages matching the `tsquery` placeholder `tsquery`,
 * as `(id, at, class, rank)` rows: `at` the message's created_at in microseconds since 1970 (text, for
 * an exact order in JS), `class` 3 when it matches `ranking.exact`, 2 `ranking.parts`, else 1, `rank`
 * its `ts_rank` (real) for `ranking.all`. The messages are texts (`body IS NOT NULL`, the GIN index's
 * predicate) that are the latest of their message (not superseded by an edit) and a message, an edit or
 * a reply (a reaction is nothing to find), within a window when given. The match is the GIN index's
 * `room_events_search` (migration 015; with a window the index intersects the query with the window's
 * time buckets itself), or a filter on the rows when the planner walks `room_events_recent` newest
 * first instead. Class and rank are computed for the `limit` rows only (after the sort), on the row
 * the candidate pass has read already, so the page is chosen without reading the candidates again.
 */
export function ginCandidates(tsquery: string, filters: CandidateFilters, limit: number, ranking: CandidateRanking): string {
  const conds = [
    'e.body IS NOT NULL',
    filters.window === undefined
      ? `e.search @@ ${tsquery}::tsquery`
      : `e.search @@ (${tsquery}::tsquery && ${filters.window.tsquery}::tsquery)`,
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
  if (filters.window !== undefined) {
    conds.push(`e.created_at >= ${filters.window.start}::timestamptz`, `e.created_at < ${filters.window.end}::timestamptz`);
  }
  return `SELECT c.id, (extract(epoch FROM c.created_at) * 1000000)::bigint::text AS at,
            CASE WHEN c.search @@ ${ranking.exact}::tsquery THEN 3 WHEN c.search @@ ${ranking.parts}::tsquery THEN 2 ELSE 1 END AS class,
            ts_rank('${ranking.weights}', c.search, ${ranking.all}::tsquery) AS rank
          FROM (SELECT e.id, e.created_at, e.search FROM room_events e WHERE ${conds.join(' AND ')} ORDER BY e.created_at DESC LIMIT ${limit}) c`;
}
