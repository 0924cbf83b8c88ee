import type { ApiClient } from '../shared/client/index.js';
import { ChatError } from '../shared/protocol/index.js';
import type { Room } from '../shared/protocol/index.js';
import { resolveRoom } from './room-ref.js';
import { parseSince } from './time-input.js';

/** Where a search looks, as `chat search`'s options give it: a room (`#name`, `name` or `@user`), a sender, a start. */
export interface SearchScope {
  /** A room as typed (see `parseRoomRef`): only that room. */
  readonly room?: string;
  /** A username, with or without a leading `@`: only that user's messages. */
  readonly from?: string;
  /** As typed (see `parseSince`): only messages since then. */
  readonly since?: string;
}

const OPTIONS = ['--room', '--from', '--since'] as const;
// A quoted phrase (kept whole, an unclosed quote to the end) or a run of non-space.
const TOKEN = /-?"[^"]*"?|\S+/g;

/**
 * Splits the TUI's `/search` text into the query and the options `chat search` takes (`--room R`,
 * `--from U`, `--since D`, each also as `--room=R`), so both take the same words. The query keeps
 * its other words in their order, quoted phrases whole. Throws `invalid_request` for an option with no
 * value, one given twice, or a `--word` that is no option (to find such a word, quote it).
 */
export function splitSearchOptions(text: string): { query: string; scope: SearchScope } {
  const tokens = text.match(TOKEN) ?? [];
  const words: string[] = [];
  const scope: { room?: string; from?: string; since?: string } = {};
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (!/^--./.test(token)) {
      words.push(token);
      continue;
    }
    const [flag, inline] = token.includes('=') ? [token.slice(0, token.indexOf('=')), token.slice(token.indexOf('=') + 1)] : [token, undefined];
    if (!(OPTIONS as readonly string[]).includes(flag)) {
      throw new ChatError('invalid_request', `unknown option ${JSON.stringify(flag)}: a search takes --room, --from and --since (to find "${flag}" itself, quote it: "${flag}")`);
    }
    const value = inline ?? tokens[++i];
    if (value === undefined || value === '' || /^--./.test(value)) throw new ChatError('invalid_request', `${flag} needs a value, e.g. ${flag === '--room' ? '--room general' : flag === '--from' ? '--from alice' : '--since 3d'}`);
    const key = flag.slice(2) as keyof SearchScope;
    if (scope[key] !== undefined) throw new ChatError('invalid_request', `${flag} is given twice`);
    scope[key] = value.startsWith('"') ? value.slice(1).replace(/"$/, '') : value;
  }
  return { query: words.join(' '), scope };
}

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
 * `forbidden` for one you are not in, `invalid_request` for a start that cannot be read and for an
 * empty `--from` or `--room` (`''`, `@`, `#`: leaving one out is how to search every sender or room).
 */
export async function resolveScope(api: ApiClient, me: string, scope: SearchScope, now = new Date()): Promise<ResolvedScope> {
  if (scope.from !== undefined && scope.from.trim().replace(/^@/, '') === '') {
    throw new ChatError('invalid_request', '--from needs a user name, e.g. --from alice (leave --from out to search every sender)');
  }
  if (scope.room !== undefined && scope.room.trim().replace(/^[#@]/, '') === '') {
    throw new ChatError('invalid_request', '--room needs a room, e.g. --room general or --room @alice (leave --room out to search every room)');
  }
  const since = scope.since === undefined ? undefined : parseSince(scope.since, now);
  let rooms: Room[];
  if (scope.room !== undefined) {
    const room = await resolveRoom(scope.room, { api, me });
    if (room.role === null) throw new ChatError('forbidden', `you are not a member of #${room.name}; join it first`);
    rooms = [room];
  } else {
    rooms = await api.rooms();
  }
  return { rooms, room: scope.room === undefined ? undefined : rooms[0]?.name, from: scope.from?.trim().replace(/^@(?=.)/, ''), since };
}
