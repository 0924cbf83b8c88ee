import { isDirectMessage, shownRole } from '../../shared/protocol/index.js';
import type { ApiClient } from '../../shared/client/index.js';
import type { Room } from '../../shared/protocol/index.js';
import stringWidth from 'string-width';
import { dmPeers } from '../room-ref.js';
import type { CliContext } from '../context.js';
import { PRIVATE_TOPIC_TAG } from '../../shared/text/private-topic-note.js';
import { neutralize } from '../output.js';
import type { Output } from '../output.js';
import { PRIVATE_ROOM_MARK } from '../room-ref.js';

/**
 * A room as `chat rooms` lists it: the room, its DM peer's username (null for other rooms, or when the
 * peer left), whether it is private (a DM too) and whether it is a direct message. `role` is null for
 * a DM (nobody owns one in its two people's eyes, whoever opened it), as the text leaves its role
 * column blank; elsewhere the caller's role (null in `--all` for a room the caller is not in).
 */
export type ListedRoom = Room & { readonly peer: string | null; readonly private: boolean; readonly dm: boolean };

/** `chat rooms [--all]`: your rooms, or with --all the directory of open rooms. */
export async function run(ctx: CliContext, opts: { all?: boolean }): Promise<void> {
  const { api, session } = await ctx.signedIn();
  const rooms = opts.all ? await wholeDirectory(api) : await api.rooms();
  const peers = await dmPeers(api, rooms, session.user.username);
  // Direct messages are named by the other person: `@dana`, as `chat send @dana` takes them.
  const named = listedRooms(rooms, peers);
  ctx.out.result({ rooms: named }, () => {
    if (rooms.length === 0) return opts.all ? 'No open rooms yet. Create one with `chat create <room>`.' : 'You are in no rooms. See `chat rooms --all`, then `chat join <room>`.';
    return roomLines(ctx.out, named, opts.all ?? false);
  });
}

/** The rooms as `chat rooms` lists them (and `--json` prints them): each with its DM peer from `peers` (by room id) and whether it is private. */
export function listedRooms(rooms: readonly Room[], peers: ReadonlyMap<string, string>): ListedRoom[] {
  return rooms.map((r) => ({ ...r, role: shownRole(r, r.role), peer: peers.get(r.id) ?? null, private: r.visibility === 'private', dm: isDirectMessage(r) }));
}

/** The lines of `chat rooms` (`directory`: the --all listing, which marks the rooms you are in), names padded to one width. */
export function roomLines(out: Output, rooms: readonly ListedRoom[], directory: boolean): string[] {
  const labels = rooms.map(label);
  const width = Math.max(...labels.map((l) => stringWidth(l)));
  return rooms.map((r, i) => line(out, r, labels[i] as string, width, directory));
}

/** Every open room, page after page (the directory answers a page at a time). */
async function wholeDirectory(api: ApiClient): Promise<Room[]> {
  const rooms: Room[] = [];
  for (let after: string | undefined; ; ) {
    const page = await api.directory({ limit: 200, ...(after !== undefined ? { after } : {}) });
    rooms.push(...page.rooms);
    if (page.next === null) return rooms;
    after = page.next;
  }
}

/**
 * `@peer` for direct messages (`@?` when the other person left), `⚿ name` for other private rooms (the
 * TUI's mark), `#name` for open rooms; neutralized.
 */
function label(r: ListedRoom): string {
  if (isDirectMessage(r)) return `@${neutralize(r.peer ?? '?')}`;
  return r.visibility === 'private' ? `${PRIVATE_ROOM_MARK} ${neutralize(r.name)}` : `#${neutralize(r.name)}`;
}

function line(out: Output, r: ListedRoom, label: string, width: number, directory: boolean): string {
  const name = label + ' '.repeat(Math.max(0, width - stringWidth(label)));
  const members = `${r.memberCount} member${r.memberCount === 1 ? '' : 's'}`.padEnd(11);
  const mark = r.role === 'owner' ? out.style('yellow', ' owner ') : directory && r.role ? out.style('green', ' joined') : '       ';
  // A private room's topic is not end-to-end encrypted: said before it, where a long topic cannot hide it.
  const warning = r.visibility === 'private' && r.topic !== '' ? `${out.style('yellow', `⚠ ${PRIVATE_TOPIC_TAG}`)} ` : '';
  return `${out.style('bold', name)} ${members}${mark} ${warning}${out.style('dim', neutralize(r.topic))}`.trimEnd();
}
