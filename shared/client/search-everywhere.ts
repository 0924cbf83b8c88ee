import type { Room, SearchHit } from '../protocol/index.js';
import { ChatError, searchQueryTooLong } from '../protocol/index.js';
import { mergeRanked } from '../search/merge.js';
import type { MessageIndex } from '../search/index.js';
import type { ApiClient } from './api-client.js';
import type { E2ESession } from './e2e-session.js';
import { updatePrivateIndex } from './private-search.js';

/**
 * Where a device keeps its index of private rooms (encrypted at rest: a sealed file for the CLI,
 * sealed IndexedDB records in the browser). `update` runs `fn` on the index, one caller at a time,
 * and keeps what it added.
 */
export interface PrivateIndexStore {
  update<T>(fn: (index: MessageIndex) => Promise<T>): Promise<T>;
}

/** What {@link searchEverywhere} searches with: the server, this device's keys, and its private index. */
export interface SearchSources {
  readonly api: ApiClient;
  readonly e2e: () => Promise<E2ESession>;
  readonly privateIndex: () => Promise<PrivateIndexStore>;
}

/** Which rooms and messages a search covers, and how many hits it returns. */
export interface SearchScope {
  /** The rooms to search (all of the caller's, or the one asked for). */
  readonly rooms: readonly Room[];
  /** The room the user named, passed to the server as is. */
  readonly room?: string | undefined;
  readonly from?: string | undefined;
  /** ISO time. */
  readonly since?: string | undefined;
  readonly limit: number;
}

/**
 * One ranked list from both places messages can be searched: the server for open rooms, and this
 * device's index of private rooms, which is first brought up to date (fetch, decrypt, index).
 * `waiting` counts private messages not searchable yet because their keys have not arrived.
 * Throws ChatError `invalid_request` for a query longer than the server takes (`searchQueryTooLong`),
 * before asking the server or opening the private index: the same limit for both.
 */
export async function searchEverywhere(src: SearchSources, q: string, scope: SearchScope): Promise<{ hits: SearchHit[]; waiting: number }> {
  const tooLong = searchQueryTooLong(q);
  if (tooLong) throw new ChatError('invalid_request', tooLong);
  const open = scope.rooms.filter((r) => r.visibility === 'open');
  const secret = scope.rooms.filter((r) => r.visibility === 'private');
  const lists: SearchHit[][] = [];
  if (open.length > 0) {
    const server = await src.api.search({ q, limit: scope.limit, ...(scope.room ? { room: scope.room } : {}), ...(scope.from ? { from: scope.from } : {}), ...(scope.since ? { since: scope.since } : {}) });
    lists.push(server.hits);
  }
  let waiting = 0;
  if (secret.length > 0) {
    const e2e = await src.e2e();
    const index = await src.privateIndex();
    lists.push(
      await index.update(async (idx) => {
        waiting = (await updatePrivateIndex(idx, src.api, e2e, secret)).waiting;
        const filters = { roomIds: new Set(secret.map((r) => r.id)), ...(scope.from ? { sender: scope.from } : {}), ...(scope.since ? { since: Date.parse(scope.since) } : {}) };
        return idx.search(q, filters, scope.limit);
      }),
    );
  }
  return { hits: mergeRanked(lists, scope.limit), waiting };
}
