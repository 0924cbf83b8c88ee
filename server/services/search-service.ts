import { createHash } from 'node:crypto';
import { ChatError } from '../../shared/protocol/index.js';
import type { ParsedSearchQuery, SearchResults } from '../../shared/protocol/index.js';
import { softCache } from '../cache/cache.js';
import type { Cache } from '../cache/cache.js';
import type { Store } from '../store/store.js';
import type { RoomService } from './room-service.js';

export interface SearchServiceDeps {
  readonly store: Store;
  readonly cache: Cache;
  readonly rooms: RoomService;
  /** How long the store may run one search, where it can cancel it (ms); unbounded when absent. */
  readonly timeoutMs?: number;
}

/** A cached answer stays this long at most; a new event in any room searched changes the key sooner. */
const CACHE_TTL_MS = 5 * 60_000;

/**
 * Full-text search over the open rooms the caller is a member of (private rooms hold only
 * ciphertext: their members search them on their own devices). Answers are cached under a key
 * that includes every searched room's head seq, so a new message in one of them is never missed.
 * A search that runs past `timeoutMs` fails with `unavailable` (PostgreSQL servers; see MessageSearch).
 */
export class SearchService {
  constructor(private readonly deps: SearchServiceDeps) {}

  async search(userId: string, query: ParsedSearchQuery): Promise<SearchResults> {
    let scope = (await this.deps.store.listRoomsOfUser(userId)).filter((r) => r.visibility === 'open');
    if (query.room !== undefined) {
      const room = await this.deps.rooms.resolve(query.room);
      await this.deps.rooms.requireMember(room, userId, query.room);
      if (room.visibility === 'private') {
        throw new ChatError('invalid_request', `#${room.name} is end-to-end encrypted: the server cannot read it, so it is searched on your device (chat search does both)`);
      }
      scope = scope.filter((r) => r.id === room.id);
    }
    let senderId: string | undefined;
    if (query.from !== undefined) {
      const sender = await this.deps.store.findUserByUsername(query.from);
      if (!sender) throw new ChatError('not_found', `there is no user "${query.from}"`);
      senderId = sender.id;
    }
    if (scope.length === 0) return { hits: [], hasMore: false };

    const heads = scope.map((r) => `${r.id}:${r.headSeq}`).sort();
    const key = `search:${createHash('sha256').update(JSON.stringify([query.q, senderId, query.since, query.until, query.limit, query.offset, heads])).digest('base64url')}`;
    const cached = await softCache.get(this.deps.cache, key);
    if (cached) return JSON.parse(cached) as SearchResults;

    const hits = await this.deps.store.searchMessages({
      query: query.q,
      roomIds: scope.map((r) => r.id),
      ...(senderId ? { senderId } : {}),
      ...(query.since ? { since: new Date(query.since) } : {}),
      ...(query.until ? { until: new Date(query.until) } : {}),
      limit: query.limit + 1,
      offset: query.offset,
      ...(this.deps.timeoutMs === undefined ? {} : { timeoutMs: this.deps.timeoutMs }),
    });
    const results: SearchResults = { hits: hits.slice(0, query.limit), hasMore: hits.length > query.limit };
    await softCache.set(this.deps.cache, key, JSON.stringify(results), CACHE_TTL_MS);
    return results;
  }
}
