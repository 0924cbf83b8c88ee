import type { ApiClient } from '../shared/client/index.js';
import { ChatError } from '../shared/protocol/index.js';
import type { Room } from '../shared/protocol/index.js';
import { resolveRoom } from './room-ref.js';
import { searchFilters } from '../shared/search/search-options.js';
import type { SearchScope } from '../shared/search/search-options.js';

/** What `searchEverywhere` is given for a {@link SearchScope}: the rooms to search and the filters. */
export interface ResolvedScope {
  readonly rooms: Room[];
  readonly room: string | undefined;
  readonly from: string | undefined;
  readonly since: string | undefined;
}

/**
 * Reads a {@link SearchScope} as `chat search` and the TUI's `/search` both do: the room named (a DM
 * as `@user`), which you must be a member of, else every room of yours; the sender without its `@`;
 * the start as an ISO time. Throws `not_found` for a room that is not there (see `resolveRoom`),
 * `forbidden` for one you are not in, and as `searchFilters` does.
 */
export async function resolveScope(api: ApiClient, me: string, scope: SearchScope, now = new Date()): Promise<ResolvedScope> {
  const { from, since } = searchFilters(scope, now);
  let rooms: Room[];
  if (scope.room !== undefined) {
    const room = await resolveRoom(scope.room, { api, me });
    if (room.role === null) throw new ChatError('forbidden', `you are not a member of #${room.name}; join it first`);
    rooms = [room];
  } else {
    rooms = await api.rooms();
  }
  return { rooms, room: scope.room === undefined ? undefined : rooms[0]?.name, from, since };
}
