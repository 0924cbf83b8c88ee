import { ChatError } from '../../shared/protocol/index.js';
import type { CliContext } from '../context.js';
import { parseUserRef } from '../room-ref.js';

/**
 * `chat verify <user> [--confirm]` (`bob` or `@bob`, see parseUserRef): the 60-digit safety number you share with the user. Compare it
 * with theirs (in person, or over a channel you trust); --confirm marks them verified, and any later
 * change of their device keys is then warned about on every send and read.
 */
export async function run(ctx: CliContext, typed: string, opts: { confirm?: boolean }): Promise<void> {
  const user = parseUserRef(typed);
  const { api, session } = await ctx.signedIn();
  const e2e = await ctx.e2e(api, session);
  let safety;
  try {
    safety = await e2e.safetyNumberWith(user);
  } catch (error) {
    // The client's own errors (the server unreachable, a user it does not know) keep their code;
    // only the plain "no keys yet" answers are this command's not found.
    if (error instanceof ChatError) throw error;
    throw new ChatError('not_found', (error as Error).message, { cause: error });
  }
  if (opts.confirm) await e2e.confirm(safety.userId, safety.keys);
  const verified = opts.confirm || safety.verified;
  ctx.out.result({ user, safetyNumber: safety.number.replace(/ /g, ''), verified, changed: safety.changed && !opts.confirm }, () => [
    `Safety number with ${user}:`,
    `  ${safety.number}`,
    safety.changed && !opts.confirm
      ? ctx.out.style('red', `WARNING: ${user}'s keys changed since you verified them. Compare again, then run \`chat verify ${user} --confirm\`.`)
      : verified
        ? ctx.out.style('green', `${user} is verified.`)
        : `Compare it with what ${user} sees; if it matches, run \`chat verify ${user} --confirm\`.`,
  ]);
}
