import { ChatError } from '../protocol/index.js';
import { parseSince } from '../text/time-input.js';

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
 * Splits the text of a search box (the TUI's `/search`, the web's Search) into the query and the options
 * `chat search` takes (`--room R`, `--from U`, `--since D`, each also as `--room=R`), so every client
 * takes the same words. The query keeps
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

/** A {@link SearchScope}'s sender and start, checked and read: what every client passes on as they are. */
export interface SearchFilters {
  /** The username, without its `@`. */
  readonly from: string | undefined;
  /** An ISO time (see `parseSince`). */
  readonly since: string | undefined;
}

/**
 * Checks a {@link SearchScope} and reads its sender and start (the room is the client's to find among
 * its rooms). Throws `invalid_request` for a start that cannot be read, and for an empty `--from` or
 * `--room` (`''`, `@`, `#`: leaving one out is how to search every sender or room).
 */
export function searchFilters(scope: SearchScope, now = new Date()): SearchFilters {
  if (scope.from !== undefined && scope.from.trim().replace(/^@/, '') === '') {
    throw new ChatError('invalid_request', '--from needs a user name, e.g. --from alice (leave --from out to search every sender)');
  }
  if (scope.room !== undefined && scope.room.trim().replace(/^[#@]/, '') === '') {
    throw new ChatError('invalid_request', '--room needs a room, e.g. --room general or --room @alice (leave --room out to search every room)');
  }
  return { from: scope.from?.trim().replace(/^@(?=.)/, ''), since: scope.since === undefined ? undefined : parseSince(scope.since, now) };
}

/**
 * The room a `--room` names among `rooms` (the caller's, as a client lists them): `@user` is the direct
 * message whose `title` is `@user`, else `#name` or `name` by name, both without regard to case.
 * Throws `not_found` when none of them is it.
 */
export function scopedRoom<R extends { readonly name: string }>(rooms: readonly R[], ref: string, title: (room: R) => string): R {
  const wanted = ref.trim().toLowerCase();
  const room = wanted.startsWith('@') ? rooms.find((r) => title(r).toLowerCase() === wanted) : rooms.find((r) => r.name.toLowerCase() === wanted.replace(/^#/, ''));
  if (!room) throw new ChatError('not_found', `--room: you are in no room ${wanted.startsWith('@') ? `with ${ref.trim()}` : `named ${ref.trim().replace(/^#?/, '#')}`}`);
  return room;
}
