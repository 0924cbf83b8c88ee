import type { SearchHit } from '../protocol/index.js';

/**
 * One ranked list from several (the server's for open rooms, the local index's for private ones).
 * Both engines score a hit as its match class (3 whole tokens, 2 parts, 1 stems: see `matchText`)
 * plus a fraction below 1 from their own ranking. Classes compare across lists; the fractions do
 * not, so each list's are scaled by its best first; equal scores put the newer message first.
 */
export function mergeRanked(lists: readonly (readonly SearchHit[])[], limit: number): SearchHit[] {
  const scaled = lists.flatMap((list) => {
    const best = Math.max(0, ...list.map((h) => h.score - Math.floor(h.score)));
    return list.map((h) => ({ hit: h, cls: Math.floor(h.score), rest: best > 0 ? (h.score - Math.floor(h.score)) / best : 0 }));
  });
  return scaled
    .sort((a, b) => b.cls - a.cls || b.rest - a.rest || Date.parse(b.hit.createdAt) - Date.parse(a.hit.createdAt))
    .slice(0, limit)
    .map((s) => s.hit);
}
