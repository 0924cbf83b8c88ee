import { describeDeviceChange, keyChangeNotices } from '../shared/client/index.js';
import type { E2ESession } from '../shared/client/index.js';
import type { Room } from '../shared/protocol/index.js';
import type { CliContext } from './context.js';
import { neutralize } from './output.js';

/**
 * Warns loudly, on every send and read of a private room, about members whose device keys changed
 * since this user verified them (a new device could be an attacker's, added by a malicious server),
 * and tells once about every member's device change. On stderr, so --json stays clean.
 */
export async function warnAboutChangedKeys(ctx: CliContext, e2e: E2ESession, room: Room): Promise<void> {
  if (room.visibility !== 'private') return;
  const notices = await keyChangeNotices(e2e, room.id, async () => (await ctx.signedIn()).api.members(room.id));
  const where = neutralize(room.name);
  for (const n of notices) {
    const who = neutralize(n.username);
    if (n.kind === 'devices') {
      ctx.out.note(ctx.out.style('yellow', `* ${who}: ${neutralize(describeDeviceChange(n))} in #${where}${n.verified ? '' : ' (unverified: compare safety numbers with `chat verify ' + who + '`)'}`));
    } else {
      ctx.out.note(
        ctx.out.style('red', `WARNING: ${who}'s keys changed since you verified them. Compare safety numbers again with \`chat verify ${who}\` before trusting #${where}.`),
      );
    }
  }
}
