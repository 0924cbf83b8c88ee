/**
 * A fuzzy match for the room switcher: the query's letters in order anywhere in the name. Higher is
 * better: a prefix beats a word start beats a contiguous run beats scattered letters; null when the
 * letters are not all there.
 */
export function fuzzyScore(query: string, candidate: string): number | null {
  const q = query.toLowerCase().trim();
  const c = candidate.toLowerCase();
  if (q === '') return 0;
  if (c.startsWith(q)) return 1000 - c.length;
  let score = 0;
  let at = 0;
  let previous = -2;
  for (const ch of q) {
    const found = c.indexOf(ch, at);
    if (found === -1) return null;
    if (found === previous + 1) score += 15;
    if (found === 0 || /[-_.\s]/.test(c[found - 1] as string)) score += 10;
    score -= found - at;
    previous = found;
    at = found + 1;
  }
  return score;
}

/** Candidates that match, best first (ties by name). */
export function fuzzyFilter<T>(query: string, items: readonly T[], nameOf: (item: T) => string): T[] {
  return items
    .map((item) => ({ item, score: fuzzyScore(query, nameOf(item)) }))
    .filter((x): x is { item: T; score: number } => x.score !== null)
    .sort((a, b) => b.score - a.score || nameOf(a.item).localeCompare(nameOf(b.item)))
    .map((x) => x.item);
}
