import type { SearchHit } from '../protocol/index.js';

/**
 * One ranked list from several (the server's for open rooms, the local index's for private ones):
 * by match class (3 whole tokens, 2 parts, 1 stems: see `matchText`), then newest first, then by
 * event id (so equal hits keep one order). Each engine adds its own fraction below 1 to the class
 * (PostgreSQL's `ts_rank`, MiniSearch's BM25, or none); those fractions measure different things on
 * different collections, so they are not compared: the merged hits carry the class alone as their
 * score, and the same text scores the same in an open and in a private room.
 */
export function mergeRanked(lists: readonly (readonly SearchHit[])[], limit: number): SearchHit[] {
  return lists
    .flat()
    .map((hit) => ({ hit, cls: Math.floor(hit.score), at: Date.parse(hit.createdAt) }))
    .sort((a, b) => b.cls - a.cls || b.at - a.at || (a.hit.eventId < b.hit.eventId ? -1 : a.hit.eventId > b.hit.eventId ? 1 : 0))
    .slice(0, limit)
    .map(({ hit, cls }) => ({ ...hit, score: cls }));
}
