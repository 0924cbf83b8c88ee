import { ChatError } from '../../shared/protocol/index.js';
import type { CliContext } from '../context.js';
import { joinTarget } from '../invite-link.js';
import { neutralize } from '../output.js';
import { parseRoomRef, withSuggestion } from '../room-ref.js';

/**
 * `chat join <room | @user | invite-link>`: an open room by name (`general` or `#general`; "did you
 * mean" for a close name), your direct messages with a user (back in, if you had left them), or a
 * private room by its invite link.
 */
export async function run(ctx: CliContext, target: string): Promise<void> {
  const parsed = joinTarget(target);
  const { api } = await ctx.signedIn();
  if (parsed.kind === 'invite') return print(ctx, await api.redeemInvite(parsed.token));
  const ref = parseRoomRef(parsed.name);
  if (ref.kind === 'user') {
    const dm = await api.directMessage(ref.username);
    ctx.out.result(dm, () => `Your direct messages with @${neutralize(ref.username)}.`);
    return;
  }
  try {
    print(ctx, await api.join(ref.name));
  } catch (error) {
    if (error instanceof ChatError && error.code === 'not_found') throw await withSuggestion(api, ref.name, error);
    throw error;
  }
}

function print(ctx: CliContext, result: { room: { name: string }; event: unknown }): void {
  ctx.out.result(result, () => (result.event ? `Joined #${neutralize(result.room.name)}.` : `You are already in #${neutralize(result.room.name)}.`));
}
