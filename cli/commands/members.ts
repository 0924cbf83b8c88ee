import { shownRole } from '../../shared/protocol/index.js';
import type { CliContext } from '../context.js';
import { formatLastSeen, neutralize } from '../output.js';

/** `chat members <room>`: who is in the room, their role (none in a direct message: nobody owns one) and presence. */
export async function run(ctx: CliContext, name: string): Promise<void> {
  const { api, session } = await ctx.signedIn();
  const room = await ctx.room(api, session, name);
  const members = (await api.members(room.id)).map((m) => ({ ...m, role: shownRole(room, m.role) }));
  ctx.out.result({ members }, () =>
    members.map((m) => {
      const dot = m.online ? ctx.out.style('green', '●') : ctx.out.style('dim', '○');
      const seen = m.online ? 'online' : m.lastSeenAt ? formatLastSeen(m.lastSeenAt) : 'offline';
      return `${dot} ${neutralize(m.user.username)}${m.role === 'owner' ? ctx.out.style('yellow', ' (owner)') : ''}  ${ctx.out.style('dim', seen)}`;
    }),
  );
}
