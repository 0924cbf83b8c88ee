import type { CliContext } from '../context.js';
import { neutralize } from '../output.js';
import { parseUserRef, refuseInDirectMessage, roomName } from '../room-ref.js';

/** `chat kick <room> <user>` (`carol` or `@carol`, see parseUserRef): the owner removes a member; a private room's senders then rotate their keys. */
export async function run(ctx: CliContext, ref: string, typed: string): Promise<void> {
  const user = parseUserRef(typed);
  const { api, session } = await ctx.signedIn();
  const room = await ctx.room(api, session, ref);
  // Nobody is removed from a direct message: said here, without asking the server.
  refuseInDirectMessage(room);
  const result = await api.kick(room.id, user);
  const shown = await roomName(api, result.room, session.user.username, ref);
  ctx.out.result(result, () => `Removed ${neutralize(user)} from ${shown}.`);
}
