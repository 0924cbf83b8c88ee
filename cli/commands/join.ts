import { ChatError } from '../../shared/protocol/index.js';
import type { CliContext } from '../context.js';
import { joinTarget } from '../invite-link.js';
import { neutralize } from '../output.js';
import { parseRoomRef, roomName, withSuggestion } from '../room-ref.js';
import type { ApiClient } from '../../shared/client/index.js';
import type { MembershipResult } from '../../shared/protocol/index.js';

/**
 * `chat join <room | @user | invite-link>`: an open room by name (`general` or `#general`; "did you
 * mean" for a close name), your direct messages with a user (back in, if you had left them), or a
 * private room by its invite link.
 */
export async function run(ctx: CliContext, target: string): Promise<void> {
  const parsed = joinTarget(target);
  const { api, session } = await ctx.signedIn();
  const me = session.user.username;
  if (parsed.kind === 'invite') return print(ctx, await api.redeemInvite(parsed.token), api, me);
  const ref = parseRoomRef(parsed.name);
  if (ref.kind === 'user') {
    const dm = await api.directMessage(ref.username);
    ctx.out.result(dm, () => `Your direct messages with @${neutralize(ref.username)}.`);
    return;
  }
  try {
    await print(ctx, await api.join(ref.name), api, me);
  } catch (error) {
    if (error instanceof ChatError && error.code === 'not_found') throw await withSuggestion(api, ref.name, error);
    throw error;
  }
}

/** Says what the join did, naming the room as the user knows it (`@peer` for direct messages, see roomName). */
async function print(ctx: CliContext, result: MembershipResult, api: ApiClient, me: string): Promise<void> {
  const shown = await roomName(api, result.room, me);
  ctx.out.result(result, () => (result.event ? `Joined ${shown}.` : `You are already in ${shown}.`));
}
