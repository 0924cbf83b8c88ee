import type { SearchHit } from '../protocol/index.js';

/**
 * One ranked list from several (the server's for open rooms, the local index's for private ones).
 * Scores of different engines are not comparable, so each list is scaled by its best score first;
 * equal scores put the newer message first.
 */
export function mergeRanked(lists: readonly (readonly SearchHit[])[], limit: number): SearchHit[] {
  const scaled = lists.flatMap((list) => {
    const best = Math.max(0, ...list.map((h) => h.score));
    return list.map((h) => ({ ...h, score: best > 0 ? h.score / best : 0 }));
  });
  return scaled.sort((a, b) => b.score - a.score || Date.parse(b.createdAt) - Date.parse(a.createdAt)).slice(0, limit);
}
