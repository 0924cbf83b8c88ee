import type { CliContext } from '../context.js';
import { formatTime, neutralize } from '../output.js';

/** `chat invites <room> [--revoke ID]`: the room's invite links, or revoke one. */
export async function run(ctx: CliContext, room: string, opts: { revoke?: string }): Promise<void> {
  const { api } = await ctx.signedIn();
  if (opts.revoke) {
    await api.revokeInvite(room, opts.revoke);
    ctx.out.result({ revoked: opts.revoke }, () => `Revoked invite ${opts.revoke}.`);
    return;
  }
  const invites = await api.invites(room);
  const now = Date.now();
  ctx.out.result({ invites }, () =>
    invites.length === 0
      ? `#${room} has no invites. Make one with \`chat invite ${room}\`.`
      : invites.map((i) => {
          const state = i.revokedAt ? 'revoked' : Date.parse(i.expiresAt) <= now ? 'expired' : i.uses >= i.maxUses ? 'used up' : `live until ${formatTime(i.expiresAt)}`;
          return `${neutralize(i.id)}  ${i.uses}/${i.maxUses} used  ${state}`;
        }),
  );
}
