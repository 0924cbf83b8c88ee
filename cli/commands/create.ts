import type { CliContext } from '../context.js';

/** `chat create <room> [--private] [--topic T]` */
export async function run(ctx: CliContext, name: string, opts: { topic?: string; private?: boolean }): Promise<void> {
  const { api } = await ctx.signedIn();
  const visibility = opts.private ? 'private' : 'open';
  const { room } = await api.createRoom({ name, ...(opts.topic === undefined ? {} : { topic: opts.topic }), visibility });
  ctx.out.result({ room }, () =>
    opts.private
      ? `Created private room #${room.name} (end-to-end encrypted). Invite people with \`chat invite ${room.name}\`.`
      : `Created #${room.name}. Others join with \`chat join ${room.name}\`.`,
  );
}
