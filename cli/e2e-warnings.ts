import type { E2ESession } from '../shared/client/index.js';
import type { Room } from '../shared/protocol/index.js';
import type { CliContext } from './context.js';

/**
 * Warns loudly, on every send and read of a private room, about members whose device keys changed
 * since this user verified them: a new device could be an attacker's, added by a malicious server.
 */
export async function warnAboutChangedKeys(ctx: CliContext, e2e: E2ESession, room: Room): Promise<void> {
  if (room.visibility !== 'private') return;
  const changed = await e2e.changedVerifiedUsers(room.id);
  if (changed.length === 0) return;
  const members = await (await ctx.signedIn()).api.members(room.id);
  for (const userId of changed) {
    const name = members.find((m) => m.user.id === userId)?.user.username ?? userId;
    ctx.out.note(
      ctx.out.style('red', `WARNING: ${name}'s keys changed since you verified them. Compare safety numbers again with \`chat verify ${name}\` before trusting #${room.name}.`),
    );
  }
}
