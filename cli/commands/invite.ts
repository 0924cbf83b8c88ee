import type { CliContext } from '../context.js';
import { formatTime, neutralize } from '../output.js';
import { parseDuration } from '../../shared/text/time-input.js';
import { refuseInDirectMessage } from '../room-ref.js';

/**
 * `chat invite <room> [--expires 24h] [--uses N]`: prints a link that admits N people until it
 * expires. stdout holds exactly the link (`L=$(chat invite plans)`; with --json, the JSON document);
 * the note on how many it admits and until when goes to stderr.
 */
export async function run(ctx: CliContext, room: string, opts: { expires?: string; uses?: number }): Promise<void> {
  const { api, session } = await ctx.signedIn();
  const target = await ctx.room(api, session, room);
  // A direct message has no invites: said here, without asking the server.
  refuseInDirectMessage(target);
  const created = await api.createInvite(target.id, {
    expiresInSeconds: parseDuration(opts.expires ?? '24h'),
    maxUses: opts.uses ?? 1,
  });
  ctx.out.result(created, () => neutralize(created.url));
  if (ctx.out.json) return;
  ctx.out.note(
    ctx.out.style('dim', `Admits ${created.invite.maxUses} ${created.invite.maxUses === 1 ? 'person' : 'people'} until ${formatTime(created.invite.expiresAt)}. They run: chat join ${neutralize(created.url)}`),
  );
}
