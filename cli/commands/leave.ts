import type { CliContext } from '../context.js';
import { roomName } from '../room-ref.js';

/** `chat leave <room>` */
export async function run(ctx: CliContext, name: string): Promise<void> {
  const { api, session } = await ctx.signedIn();
  const room = await ctx.room(api, session, name);
  // Named before leaving: a direct message's other member can be read only while still in it.
  const shown = await roomName(api, room, session.user.username, name);
  const result = await api.leave(room.id);
  ctx.out.result(result, () => `Left ${shown}.`);
}
