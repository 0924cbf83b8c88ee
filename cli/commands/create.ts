import { PRIVATE_TOPIC_NOTE } from '../../shared/text/private-topic-note.js';
import type { CliContext } from '../context.js';
import { neutralize } from '../output.js';

/** `chat create <room> [--private] [--topic T]`; a private room's topic is said (on stderr) to be readable by the server. */
export async function run(ctx: CliContext, name: string, opts: { topic?: string; private?: boolean }): Promise<void> {
  const { api } = await ctx.signedIn();
  const visibility = opts.private ? 'private' : 'open';
  const { room } = await api.createRoom({ name, ...(opts.topic === undefined ? {} : { topic: opts.topic }), visibility });
  const shown = neutralize(room.name);
  ctx.out.result({ room }, () =>
    opts.private
      ? `Created private room #${shown} (end-to-end encrypted). Invite people with \`chat invite ${shown}\`.`
      : `Created #${shown}. Others join with \`chat join ${shown}\`.`,
  );
  if (room.visibility === 'private' && room.topic !== '') ctx.out.note(ctx.out.style('yellow', `chat: note: ${PRIVATE_TOPIC_NOTE}.`));
}
