import type { CliContext } from '../context.js';
import { neutralize } from '../output.js';

/** `chat kick <room> <user>`: the owner removes a member; a private room's senders then rotate their keys. */
export async function run(ctx: CliContext, room: string, user: string): Promise<void> {
  const { api } = await ctx.signedIn();
  const result = await api.kick(room, user);
  ctx.out.result(result, () => `Removed ${user} from #${neutralize(result.room.name)}.`);
}
