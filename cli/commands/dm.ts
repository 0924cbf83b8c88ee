import type { CliContext } from '../context.js';
import { neutralize } from '../output.js';

/** `chat dm <user>`: opens (or makes) the end-to-end encrypted room of you two, and prints its name. */
export async function run(ctx: CliContext, user: string): Promise<void> {
  const { api } = await ctx.signedIn();
  const result = await api.directMessage(user);
  ctx.out.result(result, () => `${result.created ? 'Started' : 'Your'} direct messages with @${neutralize(user)}. Send with \`chat send @${neutralize(user)} …\`, read with \`chat read @${neutralize(user)}\`.`);
}
