import type { CliContext } from '../context.js';
import { neutralize } from '../output.js';

/** `chat leave <room>` */
export async function run(ctx: CliContext, name: string): Promise<void> {
  const { api, session } = await ctx.signedIn();
  const room = await ctx.room(api, session, name);
  const result = await api.leave(room.id);
  ctx.out.result(result, () => `Left #${neutralize(result.room.name)}.`);
}
