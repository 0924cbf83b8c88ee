import { describeKeyChange, keyChangeNotices } from '../shared/client/index.js';
import type { E2ESession } from '../shared/client/index.js';
import type { Room } from '../shared/protocol/index.js';
import type { CliContext } from './context.js';
import { neutralize } from './output.js';
import { roomName } from './room-ref.js';

/**
 * Warns loudly, on every send and read of a private room, about members whose device keys changed
 * since this user verified them, and tells once about every identity change, every device a member has
 * not approved (which gets nothing: an injected device shows up here) and the upgrade to
 * cross-signing; and about devices added to this user's account since last told. On stderr, so --json
 * stays clean.
 */
export async function warnAboutChangedKeys(ctx: CliContext, e2e: E2ESession, room: Room): Promise<void> {
  if (room.visibility !== 'private') return;
  const { tellNewDevices } = await import('./commands/devices.js');
  tellNewDevices(ctx, await e2e.accountDevices());
  const { api, session } = await ctx.signedIn();
  const notices = await keyChangeNotices(e2e, room.id, async () => api.members(room.id));
  // The room as the user knows it: `@peer` for a direct message (never its stored `dm-…` name).
  const title = notices.length > 0 ? await roomName(api, room, session.user.username) : '';
  for (const n of notices) {
    const line = neutralize(describeKeyChange(n, title));
    const colour = n.kind === 'changed' || n.kind === 'identity' ? 'red' : 'yellow';
    ctx.out.note(ctx.out.style(colour, n.kind === 'changed' ? `${line} (\`chat verify ${neutralize(n.username)}\`)` : `* ${line}`));
  }
}
