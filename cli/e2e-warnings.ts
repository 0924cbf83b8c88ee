import { describeDeviceChange, keyChangeNotices } from '../shared/client/index.js';
import type { E2ESession } from '../shared/client/index.js';
import type { Room } from '../shared/protocol/index.js';
import type { CliContext } from './context.js';

/**
 * Warns loudly, on every send and read of a private room, about members whose device keys changed
 * since this user verified them (a new device could be an attacker's, added by a malicious server),
 * and tells once about every member's device change. On stderr, so --json stays clean.
 */
export async function warnAboutChangedKeys(ctx: CliContext, e2e: E2ESession, room: Room): Promise<void> {
  if (room.visibility !== 'private') return;
  const notices = await keyChangeNotices(e2e, room.id, async () => (await ctx.signedIn()).api.members(room.id));
  for (const n of notices) {
    if (n.kind === 'devices') {
      ctx.out.note(ctx.out.style('yellow', `* ${n.username}: ${describeDeviceChange(n)} in #${room.name}${n.verified ? '' : ' (unverified: compare safety numbers with `chat verify ' + n.username + '`)'}`));
    } else {
      ctx.out.note(
        ctx.out.style('red', `WARNING: ${n.username}'s keys changed since you verified them. Compare safety numbers again with \`chat verify ${n.username}\` before trusting #${room.name}.`),
      );
    }
  }
}
