import type { CliContext } from '../context.js';
import { formatTime, neutralize } from '../output.js';
import { refuseInDirectMessage } from '../room-ref.js';

/** `chat invites <room> [--revoke ID]`: the room's invite links, or revoke one. */
export async function run(ctx: CliContext, ref: string, opts: { revoke?: string }): Promise<void> {
  const { api, session } = await ctx.signedIn();
  const target = await ctx.room(api, session, ref);
  // A direct message has no invites: said here, without asking the server.
  refuseInDirectMessage(target);
  const room = target.name;
  if (opts.revoke) {
    await api.revokeInvite(target.id, opts.revoke);
    ctx.out.result({ revoked: opts.revoke }, () => `Revoked invite ${opts.revoke}.`);
    return;
  }
  const invites = await api.invites(target.id);
  const now = Date.now();
  ctx.out.result({ invites }, () =>
    invites.length === 0
      ? `#${neutralize(room)} has no invites. Make one with \`chat invite ${neutralize(room)}\`.`
      : invites.map((i) => {
          const state = i.revokedAt ? 'revoked' : Date.parse(i.expiresAt) <= now ? 'expired' : i.uses >= i.maxUses ? 'used up' : `live until ${formatTime(i.expiresAt)}`;
          return `${neutralize(i.id)}  ${i.uses}/${i.maxUses} used  ${state}`;
        }),
  );
}
