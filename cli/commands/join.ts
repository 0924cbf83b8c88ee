import type { CliContext } from '../context.js';

/** `chat join <room>` */
export async function run(ctx: CliContext, name: string): Promise<void> {
  const { api } = await ctx.signedIn();
  const result = await api.join(name);
  ctx.out.result(result, () => (result.event ? `Joined #${result.room.name}.` : `You are already in #${result.room.name}.`));
}
