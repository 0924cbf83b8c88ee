import { searchEverywhere, unsearchedNotice } from '../../shared/client/index.js';
import type { KeyRemedies } from '../../shared/client/index.js';
import { ChatError, isDirectMessageName, searchQueryTooLong } from '../../shared/protocol/index.js';
import { dmPeers, parseUserRef, roomName as nameOfRoom, roomNameOf } from '../room-ref.js';
import { unsearchableQuery } from '../../shared/search/index.js';
import type { CliContext } from '../context.js';
import { resolveScope } from '../search-options.js';
import { formatTime, neutralize, senderStyle } from '../output.js';
import { searchFilters } from '../../shared/search/search-options.js';

/** The CLI's words for what brings a device the keys of private rooms (the TUI says the same). */
export const CLI_KEY_REMEDIES: KeyRemedies = {
  approve: 'approve it from another of your devices (`chat devices approve` there)',
  restore: 'restore your key backup (`chat keys restore`)',
};

export interface SearchOptions {
  readonly room?: string;
  readonly from?: string;
  readonly since?: string;
  readonly limit?: number;
}

/**
 * `chat search <query> [--room R] [--from U] [--since DATE] [--limit N]`: one ranked list from the
 * server (open rooms) and from this device's index of private rooms. Private messages whose keys are
 * not on this device are counted (`waiting`, `waitingRooms` in --json) and named on stderr with the way
 * to bring their keys (`unsearched`, the same sentence).
 */
export async function run(ctx: CliContext, words: string[], opts: SearchOptions): Promise<void> {
  // The command takes unknown options as words (so `-staging` is an exclusion); a `--word` is a typo.
  const option = words.find((w) => /^--./.test(w));
  if (option !== undefined) {
    throw new ChatError('invalid_request', `unknown option ${JSON.stringify(option)}: chat search takes --room, --from, --since and --limit (to find "${option}" itself, quote it: '"${option}"')`);
  }
  const q = words.join(' ').trim();
  if (!q) throw new ChatError('invalid_request', 'say what to search for, e.g. chat search deploy "release notes" -staging');
  // Too long is said alone: an example query would not help.
  const tooLong = searchQueryTooLong(q);
  if (tooLong) throw new ChatError('invalid_request', tooLong);
  const unsearchable = unsearchableQuery(q);
  if (unsearchable) throw new ChatError('invalid_request', `${unsearchable}, e.g. chat search deploy "release notes" -staging`);
  const limit = opts.limit ?? 20;
  if (limit > 100) throw new ChatError('invalid_request', '--limit: at most 100 results');
  const scope = { ...(opts.room === undefined ? {} : { room: opts.room }), ...(opts.from === undefined ? {} : { from: opts.from }), ...(opts.since === undefined ? {} : { since: opts.since }) };
  // Options that cannot be read are refused before signing in (resolveScope reads them again, cheaply).
  searchFilters(scope);
  const { api, session } = await ctx.signedIn();
  const resolved = await resolveScope(api, session.user.username, scope);
  /** The one room searched (--room), as named to the user. */
  const only = opts.room === undefined ? undefined : resolved.rooms[0];
  const shownRoom = only === undefined ? undefined : await nameOfRoom(api, only, session.user.username, opts.room as string);
  const answer = await searchEverywhere(
    { api, e2e: () => ctx.e2e(api, session), privateIndex: () => ctx.privateIndex() },
    q,
    { ...resolved, limit },
  );
  const { hits, waiting, waitingRooms, device } = answer;
  // Private messages this device could not search: how many, and how to bring their keys.
  const unsearched = unsearchedNotice(answer, CLI_KEY_REMEDIES);
  if (unsearched) ctx.out.note(`chat: ${unsearched}`);
  // A hit in a direct message is named by the other person (`@dana`), never by its stored `dm-…` name.
  const peers = hits.some((h) => isDirectMessageName(h.roomName)) ? await dmPeers(api, resolved.rooms, session.user.username) : new Map<string, string>();

  ctx.out.result({ query: q, hits, waiting, waitingRooms, device, unsearched }, () => {
    if (hits.length === 0) return noMatches(q, { ...(shownRoom === undefined ? {} : { room: shownRoom }), ...(opts.from === undefined ? {} : { from: opts.from }), ...(opts.since === undefined ? {} : { since: opts.since }) });
    return hits.flatMap((h) => [
      `${ctx.out.style('bold', roomNameOf(h.roomId, h.roomName, peers))}  ${ctx.out.style(senderStyle(h.sender.username), neutralize(h.sender.username))}  ${ctx.out.style('dim', `${formatTime(h.createdAt)}${h.editedAt ? ' (edited)' : ''}  seq ${h.seq}`)}`,
      `  ${ctx.out.snippet(h.snippet)}`,
    ]);
  });
}

/**
 * What `chat search` says when nothing matched: the query as typed, in plain double quotes (not
 * JSON-escaped: `"--force"` stays `"--force"`), and every filter it ran under — `in #room` (`room`:
 * the room as already named to the user, see roomName), `from @user` (`from` as typed, `@` or not,
 * see parseUserRef), `since DATE` (as typed). The query and the typed filters are neutralized.
 */
export function noMatches(query: string, filters: { readonly room?: string; readonly from?: string; readonly since?: string }): string {
  const room = filters.room === undefined ? '' : ` in ${filters.room}`;
  const from = filters.from === undefined ? '' : ` from @${neutralize(parseUserRef(filters.from))}`;
  const since = filters.since === undefined ? '' : ` since ${neutralize(filters.since.trim())}`;
  return `No messages match "${neutralize(query)}"${room}${from}${since}.`;
}
