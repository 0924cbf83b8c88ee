import { readFileSync } from 'node:fs';

/** A message of the relevance set; each later one is newer. */
export interface RelevanceMessage {
  readonly id: string;
  readonly text: string;
}

/** A query of the relevance set: the messages it must find (all relevant ones) and must not. */
export interface RelevanceQuery {
  readonly kind: string;
  readonly query: string;
  readonly mustFind: readonly string[];
  readonly mustNotFind: readonly string[];
  /** A reported failing case: must pass exactly, on every engine. */
  readonly example?: boolean;
}

/** test/fixtures/search-relevance.json. */
export const relevanceSet = JSON.parse(readFileSync(new URL('../fixtures/search-relevance.json', import.meta.url), 'utf8')) as {
  readonly messages: readonly RelevanceMessage[];
  readonly queries: readonly RelevanceQuery[];
};

/** What one query found: the relevance-set ids, best first. */
export interface QueryOutcome {
  readonly query: RelevanceQuery;
  readonly found: readonly string[];
}

/** Precision and recall of a kind of query, averaged over its queries (0..1). */
export interface KindScore {
  readonly queries: number;
  readonly precision: number;
  readonly recall: number;
}

/**
 * Runs every query through `search` (answers relevance-set ids, best first). Returns the outcomes,
 * the problems of the example queries (a must-find missing, a must-not-find found, or another hit
 * ranked above a must-find), and precision/recall per kind of the others: precision counts the
 * found messages that are must-finds, recall the must-finds found.
 */
export async function runRelevance(search: (query: string) => Promise<readonly string[]>): Promise<{
  outcomes: QueryOutcome[];
  exampleProblems: string[];
  byKind: Record<string, KindScore>;
  missed: string[];
}> {
  const outcomes: QueryOutcome[] = [];
  const exampleProblems: string[] = [];
  const sums: Record<string, { n: number; p: number; r: number }> = {};
  const missed: string[] = [];
  for (const query of relevanceSet.queries) {
    const found = await search(query.query);
    outcomes.push({ query, found });
    const want = new Set(query.mustFind);
    const absent = query.mustFind.filter((id) => !found.includes(id));
    const wrong = query.mustNotFind.filter((id) => found.includes(id));
    if (query.example) {
      if (absent.length > 0) exampleProblems.push(`${query.query}: did not find ${absent.join(', ')}`);
      if (wrong.length > 0) exampleProblems.push(`${query.query}: found ${wrong.join(', ')}`);
      const firstOther = found.findIndex((id) => !want.has(id));
      const lastWanted = Math.max(-1, ...query.mustFind.map((id) => found.indexOf(id)));
      if (firstOther >= 0 && firstOther < lastWanted) exampleProblems.push(`${query.query}: ${String(found[firstOther])} ranks above a must-find`);
      continue;
    }
    const hits = found.filter((id) => want.has(id)).length;
    const s = (sums[query.kind] ??= { n: 0, p: 0, r: 0 });
    s.n += 1;
    s.p += found.length === 0 ? (want.size === 0 ? 1 : 0) : hits / found.length;
    s.r += want.size === 0 ? 1 : hits / want.size;
    if (absent.length > 0 || wrong.length > 0 || hits < found.length) missed.push(`${query.query}: missing [${absent.join(' ')}] extra [${found.filter((id) => !want.has(id)).join(' ')}]`);
  }
  const byKind = Object.fromEntries(Object.entries(sums).map(([kind, s]) => [kind, { queries: s.n, precision: s.p / s.n, recall: s.r / s.n }]));
  return { outcomes, exampleProblems, byKind, missed };
}
