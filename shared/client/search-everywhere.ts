import type { Room, SearchHit } from '../protocol/index.js';
import { ChatError, searchQueryTooLong } from '../protocol/index.js';
import { mergeRanked } from '../search/merge.js';
import type { MessageIndex } from '../search/index.js';
import type { ApiClient } from './api-client.js';
import type { E2ESession, IdentityStatus } from './e2e-session.js';
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

/** What {@link searchEverywhere} found, and what of the private rooms it could not search on this device. */
export interface SearchAnswer {
  readonly hits: SearchHit[];
  /** Private messages not searchable yet: their keys are not on this device (indexed once they come). */
  readonly waiting: number;
  /** The private rooms those messages are in. */
  readonly waitingRooms: number;
  /**
   * Where this device stands with the account's identity, when messages are waiting (else null): an
   * `unapproved` device is given no keys by other members, so approving it or restoring the key
   * backup is what brings them.
   */
  readonly device: IdentityStatus | null;
}

/**
 * One ranked list from both places messages can be searched: the server for open rooms, and this
 * device's index of private rooms, which is first brought up to date (fetch, decrypt, index).
 * `waiting` and `waitingRooms` count the private messages (and rooms) not searchable yet because
 * their keys are not on this device; `unsearchedNotice` says so, and what to do, in every client.
 * Throws ChatError `invalid_request` for a query longer than the server takes (`searchQueryTooLong`),
 * before asking the server or opening the private index: the same limit for both.
 */
export async function searchEverywhere(src: SearchSources, q: string, scope: SearchScope): Promise<SearchAnswer> {
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
  let waitingRooms = 0;
  let device: IdentityStatus | null = null;
  if (secret.length > 0) {
    const e2e = await src.e2e();
    const index = await src.privateIndex();
    lists.push(
      await index.update(async (idx) => {
        ({ waiting, waitingRooms } = await updatePrivateIndex(idx, src.api, e2e, secret));
        const filters = { roomIds: new Set(secret.map((r) => r.id)), ...(scope.from ? { sender: scope.from } : {}), ...(scope.since ? { since: Date.parse(scope.since) } : {}) };
        return idx.search(q, filters, scope.limit);
      }),
    );
    // Asked only when something is missing: it costs a request to the server.
    if (waiting > 0) device = await e2e.identityStatus().catch(() => null);
  }
  return { hits: mergeRanked(lists, scope.limit), waiting, waitingRooms, device };
}

/** How a client names the two ways to bring a device the keys of private rooms (its own commands or buttons). */
export interface KeyRemedies {
  /** Approving this device from another of the user's, e.g. "approve it from another of your devices (chat devices approve there)". */
  readonly approve: string;
  /** Restoring the key backup on it, e.g. "restore your key backup (chat keys restore)". */
  readonly restore: string;
}

/**
 * The sentence (no final full stop) every client shows when a search could not cover some private
 * messages on this device: how many, in how many rooms, and what brings their keys, e.g. "2 messages
 * in 1 private room could not be searched on this device yet: their keys are not here; approve it
 * from another of your devices (…) or restore your key backup (…)". Null when nothing was left out.
 */
export function unsearchedNotice(answer: Pick<SearchAnswer, 'waiting' | 'waitingRooms' | 'device'>, how: KeyRemedies): string | null {
  if (answer.waiting === 0) return null;
  const rooms = Math.max(1, answer.waitingRooms);
  const what = `${answer.waiting} message${answer.waiting === 1 ? '' : 's'} in ${rooms} private room${rooms === 1 ? '' : 's'} could not be searched on this device yet`;
  if (answer.device === 'unapproved') return `${what}: this device is not approved, so no keys are shared with it; ${how.approve} or ${how.restore}`;
  return `${what}: their keys have not reached this device; they are searched once they come from the senders' devices, or ${how.restore}`;
}
