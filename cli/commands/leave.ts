import type { CliContext } from '../context.js';
import { neutralize } from '../output.js';

/** `chat leave <room>` */
export async function run(ctx: CliContext, name: string): Promise<void> {
  const { api } = await ctx.signedIn();
  const result = await api.leave(name);
  ctx.out.result(result, () => `Left #${neutralize(result.room.name)}.`);
}
