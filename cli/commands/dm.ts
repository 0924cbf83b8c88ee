import type { CliContext } from '../context.js';
import { neutralize } from '../output.js';
import { parseUserRef } from '../room-ref.js';

/** `chat dm <user>` (`carol` or `@carol`, see parseUserRef): opens (or makes) the end-to-end encrypted room of you two, and prints its name. */
export async function run(ctx: CliContext, typed: string): Promise<void> {
  const user = parseUserRef(typed);
  const { api } = await ctx.signedIn();
  const result = await api.directMessage(user);
  ctx.out.result(result, () => `${result.created ? 'Started' : 'Your'} direct messages with @${neutralize(user)}. Send with \`chat send @${neutralize(user)} …\`, read with \`chat read @${neutralize(user)}\`.`);
}
