import { searchEverywhere } from '../../../shared/client/index.js';
import type { ApiClient, E2ESession, SearchAnswer } from '../../../shared/client/index.js';
import type { Room } from '../../../shared/protocol/index.js';
import type { SearchFilters } from '../../../shared/search/search-options.js';
import { request } from '../lib/indexeddb.js';
import type { IndexedDbSearchIndex } from './indexeddb-search-index.js';
import { searchDatabaseName } from './search-database.js';

/** How many hits one search returns, merged from the server's and the private index's. */
const LIMIT = 30;

/** Search in the browser, over every room of the user's, as `chat search` does. */
export interface BrowserSearch {
  /**
   * One ranked, highlighted list: open rooms searched by the server, private rooms by this browser's
   * index (brought up to date first: fetched, decrypted, indexed). `waiting` and `waitingRooms` count
   * the private messages (and rooms) not searchable yet because their keys are not in this browser;
   * `device` says whether it is verified (see searchEverywhere). With `filters`, only messages from
   * that sender, since that time (see searchFilters), and `room` names the one room searched when
   * `rooms` is that room alone. Rejects with the server's ChatError
   * (`invalid_request` for an empty query, `rate_limited`…).
   */
  search(query: string, rooms: readonly Room[], filters?: SearchFilters & { readonly room?: string | undefined }): Promise<SearchAnswer>;
  /** Deletes the private index and its key from this browser (sign-out). */
  destroy(): Promise<void>;
}

/**
 * The browser's search for one signed-in user and device. The private index's code (the search
 * engine, its stemmers and language detection) is loaded on the first search, not with the signed-in
 * page (docs/architecture.md); a sign-out before any search deletes the database without it.
 */
export function createBrowserSearch(api: ApiClient, e2e: E2ESession, userId: string): BrowserSearch {
  let index: Promise<IndexedDbSearchIndex> | undefined;
  const privateIndex = () => (index ??= import('./indexeddb-search-index.js').then((m) => new m.IndexedDbSearchIndex(userId)));
  const sources = { api, e2e: async () => e2e, privateIndex };
  return {
    search: (query, rooms, filters = { from: undefined, since: undefined }) => searchEverywhere(sources, query, { rooms, ...filters, limit: LIMIT }),
    destroy: async () => {
      if (index) await (await index).destroy();
      else await request(indexedDB.deleteDatabase(searchDatabaseName(userId)));
    },
  };
}
