import type { CliContext } from '../context.js';
import { neutralize } from '../output.js';

/** `chat kick <room> <user>`: the owner removes a member; a private room's senders then rotate their keys. */
export async function run(ctx: CliContext, ref: string, user: string): Promise<void> {
  const { api, session } = await ctx.signedIn();
  const room = await ctx.room(api, session, ref);
  const result = await api.kick(room.id, user);
  ctx.out.result(result, () => `Removed ${user} from #${neutralize(result.room.name)}.`);
}
