import type { E2ESession } from '../shared/client/index.js';
import type { Room } from '../shared/protocol/index.js';
import type { CliContext } from './context.js';

/**
 * Warns loudly, on every send and read of a private room, about members whose device keys changed
 * since this user verified them: a new device could be an attacker's, added by a malicious server.
 */
export async function warnAboutChangedKeys(ctx: CliContext, e2e: E2ESession, room: Room): Promise<void> {
  if (room.visibility !== 'private') return;
  const [changed, devices] = await Promise.all([e2e.changedVerifiedUsers(room.id), e2e.deviceChanges(room.id)]);
  if (changed.length === 0 && devices.length === 0) return;
  const members = await (await ctx.signedIn()).api.members(room.id);
  // Every device change, verified user or not: a device the server added would show up here.
  for (const d of devices) {
    const name = members.find((m) => m.user.id === d.userId)?.user.username ?? d.userId;
    const what = [d.added ? `${d.added} new device${d.added === 1 ? '' : 's'}` : '', d.removed ? `${d.removed} device${d.removed === 1 ? '' : 's'} gone` : ''].filter(Boolean).join(', ');
    ctx.out.note(ctx.out.style('yellow', `* ${name}: ${what} in #${room.name}${d.verified ? '' : ' (unverified: compare safety numbers with `chat verify ' + name + '`)'}`));
  }
  for (const userId of changed) {
    const name = members.find((m) => m.user.id === userId)?.user.username ?? userId;
    ctx.out.note(
      ctx.out.style('red', `WARNING: ${name}'s keys changed since you verified them. Compare safety numbers again with \`chat verify ${name}\` before trusting #${room.name}.`),
    );
  }
}
