import type { CliContext } from '../context.js';
import { joinTarget } from '../invite-link.js';
import { neutralize } from '../output.js';


/** `chat join <room | invite-link>`: an open room by name, or a private room by its invite link. */
export async function run(ctx: CliContext, target: string): Promise<void> {
  const parsed = joinTarget(target);
  const { api } = await ctx.signedIn();
  const result = parsed.kind === 'invite' ? await api.redeemInvite(parsed.token) : await api.join(parsed.name);
  ctx.out.result(result, () => (result.event ? `Joined #${neutralize(result.room.name)}.` : `You are already in #${neutralize(result.room.name)}.`));
}
