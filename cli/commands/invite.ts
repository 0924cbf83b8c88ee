import { ChatError } from '../../shared/protocol/index.js';
import type { CliContext } from '../context.js';
import { formatTime } from '../output.js';

/** `30m`, `24h`, `7d` → seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (!m) throw new ChatError('invalid_request', `--expires: "${text}" is not a duration like 30m, 24h or 7d`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

/** `chat invite <room> [--expires 24h] [--uses N]`: prints a link that admits N people until it expires. */
export async function run(ctx: CliContext, room: string, opts: { expires?: string; uses?: number }): Promise<void> {
  const { api } = await ctx.signedIn();
  const created = await api.createInvite(room, {
    expiresInSeconds: parseDuration(opts.expires ?? '24h'),
    maxUses: opts.uses ?? 1,
  });
  ctx.out.result(created, () => [
    created.url,
    ctx.out.style('dim', `Admits ${created.invite.maxUses} ${created.invite.maxUses === 1 ? 'person' : 'people'} until ${formatTime(created.invite.expiresAt)}. They run: chat join ${created.url}`),
  ]);
}
