import type { CliContext } from '../context.js';

/** An invite link (`http(s)://HOST/invite/TOKEN`) or a bare token, as opposed to a room name. */
function isInvite(arg: string): boolean {
  return /\/invite\/[A-Za-z0-9_-]{43}([?#].*)?$/.test(arg) || /^[A-Za-z0-9_-]{43}$/.test(arg);
}

/** `chat join <room | invite-link>`: an open room by name, or a private room by its invite link. */
export async function run(ctx: CliContext, target: string): Promise<void> {
  const { api } = await ctx.signedIn();
  const result = isInvite(target) ? await api.redeemInvite(target) : await api.join(target);
  ctx.out.result(result, () => (result.event ? `Joined #${result.room.name}.` : `You are already in #${result.room.name}.`));
}
