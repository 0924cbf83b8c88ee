import type { CliContext } from '../context.js';

/** `chat create <room> [--topic T]` */
export async function run(ctx: CliContext, name: string, opts: { topic?: string }): Promise<void> {
  const { api } = await ctx.signedIn();
  const { room } = await api.createRoom({ name, ...(opts.topic === undefined ? {} : { topic: opts.topic }), visibility: 'open' });
  ctx.out.result({ room }, () => `Created #${room.name}. Others join with \`chat join ${room.name}\`.`);
}
