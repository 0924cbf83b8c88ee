import type { CliContext } from '../context.js';

/** `chat whoami`: who this profile is signed in as, checked with the server. */
export async function run(ctx: CliContext): Promise<void> {
  const { api } = await ctx.signedIn();
  const me = await api.me();
  ctx.out.result({ user: me.user, deviceId: me.deviceId, server: api.serverUrl, profile: ctx.profileName }, () =>
    `${me.user.username} on ${api.serverUrl} (profile ${ctx.profileName})`,
  );
}
