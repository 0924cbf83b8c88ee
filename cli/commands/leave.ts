import type { CliContext } from '../context.js';

/** `chat leave <room>` */
export async function run(ctx: CliContext, name: string): Promise<void> {
  const { api } = await ctx.signedIn();
  const result = await api.leave(name);
  ctx.out.result(result, () => `Left #${result.room.name}.`);
}
