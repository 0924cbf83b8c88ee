import { isDirectMessage } from '../../shared/protocol/index.js';
import type { ApiClient } from '../../shared/client/index.js';
import type { Room } from '../../shared/protocol/index.js';
import stringWidth from 'string-width';
import { dmPeers } from '../room-ref.js';
import type { CliContext } from '../context.js';
import { PRIVATE_TOPIC_TAG } from '../../shared/text/private-topic-note.js';
import { neutralize } from '../output.js';

/** `chat rooms [--all]`: your rooms, or with --all the directory of open rooms. */
export async function run(ctx: CliContext, opts: { all?: boolean }): Promise<void> {
  const { api, session } = await ctx.signedIn();
  const rooms = opts.all ? await wholeDirectory(api) : await api.rooms();
  const peers = await dmPeers(api, rooms, session.user.username);
  // Direct messages are named by the other person: `@dana`, as `chat send @dana` takes them.
  const named = rooms.map((r) => ({ ...r, peer: peers.get(r.id) ?? null }));
  ctx.out.result({ rooms: named }, () => {
    if (rooms.length === 0) return opts.all ? 'No open rooms yet. Create one with `chat create <room>`.' : 'You are in no rooms. See `chat rooms --all`, then `chat join <room>`.';
    const labels = named.map(label);
    const width = Math.max(...labels.map((l) => stringWidth(l)));
    return named.map((r, i) => line(ctx, r, labels[i] as string, width, opts.all ?? false));
  });
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

/** `@peer` for direct messages (`@?` when the other person left), `#name` for other rooms; neutralized. */
function label(r: Room & { peer: string | null }): string {
  return isDirectMessage(r) ? `@${neutralize(r.peer ?? '?')}` : `#${neutralize(r.name)}`;
}

function line(ctx: CliContext, r: Room, label: string, width: number, directory: boolean): string {
  const name = label + ' '.repeat(Math.max(0, width - stringWidth(label)));
  const members = `${r.memberCount} member${r.memberCount === 1 ? '' : 's'}`.padEnd(11);
  const mark = r.role === 'owner' ? ctx.out.style('yellow', ' owner ') : directory && r.role ? ctx.out.style('green', ' joined') : '       ';
  // A private room's topic is not end-to-end encrypted: said before it, where a long topic cannot hide it.
  const warning = r.visibility === 'private' && r.topic !== '' ? `${ctx.out.style('yellow', `⚠ ${PRIVATE_TOPIC_TAG}`)} ` : '';
  return `${ctx.out.style('bold', name)} ${members}${mark} ${warning}${ctx.out.style('dim', neutralize(r.topic))}`.trimEnd();
}
