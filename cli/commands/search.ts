import { searchEverywhere } from '../../shared/client/index.js';
import { ChatError, searchQueryTooLong } from '../../shared/protocol/index.js';
import { unsearchableQuery } from '../../shared/search/index.js';
import type { CliContext } from '../context.js';
import { resolveScope } from '../search-options.js';
import { formatTime, neutralize, senderStyle } from '../output.js';
import { parseSince } from '../time-input.js';

export interface SearchOptions {
  readonly room?: string;
  readonly from?: string;
  readonly since?: string;
  readonly limit?: number;
}

/**
 * `chat search <query> [--room R] [--from U] [--since DATE] [--limit N]`: one ranked list from the
 * server (open rooms) and from this device's index of private rooms.
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
  if (scope.since !== undefined) parseSince(scope.since);
  const { api, session } = await ctx.signedIn();
  const { hits, waiting } = await searchEverywhere(
    { api, e2e: () => ctx.e2e(api, session), privateIndex: () => ctx.privateIndex() },
    q,
    { ...(await resolveScope(api, session.user.username, scope)), limit },
  );
  if (waiting > 0) ctx.out.note(`chat: ${waiting} message${waiting === 1 ? '' : 's'} of private rooms cannot be searched yet: their keys have not arrived`);

  ctx.out.result({ query: q, hits, waiting }, () => {
    if (hits.length === 0) return `No messages match ${JSON.stringify(q)}${opts.room ? ` in #${opts.room}` : ''}.`;
    return hits.flatMap((h) => [
      `${ctx.out.style('bold', `#${neutralize(h.roomName)}`)}  ${ctx.out.style(senderStyle(h.sender.username), neutralize(h.sender.username))}  ${ctx.out.style('dim', `${formatTime(h.createdAt)}  seq ${h.seq}`)}`,
      `  ${ctx.out.snippet(h.snippet)}`,
    ]);
  });
}
