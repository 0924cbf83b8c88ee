import type { CliContext } from '../context.js';
import { neutralize } from '../output.js';

/** `chat whoami`: who this profile is signed in as, checked with the server. */
export async function run(ctx: CliContext): Promise<void> {
  const { api } = await ctx.signedIn();
  const me = await api.me();
  ctx.out.result({ user: me.user, deviceId: me.deviceId, server: api.serverUrl, profile: ctx.profileName }, () =>
    `${neutralize(me.user.username)} on ${api.serverUrl} (profile ${ctx.profileName})`,
  );
}
