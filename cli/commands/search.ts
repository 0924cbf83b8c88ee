import { searchEverywhere } from '../../shared/client/index.js';
import { ChatError, isDirectMessageName } from '../../shared/protocol/index.js';
import { dmPeers, roomName as nameOfRoom, roomNameOf } from '../room-ref.js';
import type { Room } from '../../shared/protocol/index.js';
import { unsearchableQuery } from '../../shared/search/index.js';
import type { CliContext } from '../context.js';
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
  const q = words.join(' ').trim();
  if (!q) throw new ChatError('invalid_request', 'say what to search for, e.g. chat search deploy "release notes" -staging');
  const unsearchable = unsearchableQuery(q);
  if (unsearchable) throw new ChatError('invalid_request', `${unsearchable}, e.g. chat search deploy "release notes" -staging`);
  const since = opts.since === undefined ? undefined : parseSince(opts.since);
  const limit = opts.limit ?? 20;
  if (limit > 100) throw new ChatError('invalid_request', '--limit: at most 100 results');
  const { api, session } = await ctx.signedIn();

  let rooms: Room[];
  /** The one room searched (--room), as named to the user. */
  let shownRoom: string | undefined;
  if (opts.room !== undefined) {
    const room = await ctx.room(api, session, opts.room);
    shownRoom = await nameOfRoom(api, room, session.user.username, opts.room);
    if (room.role === null) throw new ChatError('forbidden', `you are not a member of ${shownRoom}; join it first`);
    rooms = [room];
  } else {
    rooms = await api.rooms();
  }
  const { hits, waiting } = await searchEverywhere(
    { api, e2e: () => ctx.e2e(api, session), privateIndex: () => ctx.privateIndex() },
    q,
    { rooms, room: opts.room === undefined ? undefined : rooms[0]?.name, from: opts.from, since, limit },
  );
  // A hit in a direct message is named by the other person (`@dana`), never by its stored `dm-…` name.
  const peers = hits.some((h) => isDirectMessageName(h.roomName)) ? await dmPeers(api, rooms, session.user.username) : new Map<string, string>();
  if (waiting > 0) ctx.out.note(`chat: ${waiting} message${waiting === 1 ? '' : 's'} of private rooms cannot be searched yet: their keys have not arrived`);

  ctx.out.result({ query: q, hits, waiting }, () => {
    if (hits.length === 0) return `No messages match ${JSON.stringify(q)}${shownRoom !== undefined ? ` in ${shownRoom}` : ''}.`;
    return hits.flatMap((h) => [
      `${ctx.out.style('bold', roomNameOf(h.roomId, h.roomName, peers))}  ${ctx.out.style(senderStyle(h.sender.username), neutralize(h.sender.username))}  ${ctx.out.style('dim', `${formatTime(h.createdAt)}  seq ${h.seq}`)}`,
      `  ${ctx.out.snippet(h.snippet)}`,
    ]);
  });
}
