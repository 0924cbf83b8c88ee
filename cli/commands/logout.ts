import type { CliContext } from '../context.js';

/** `chat logout`: ends the session on the server and forgets it here. */
export async function run(ctx: CliContext): Promise<void> {
  const profile = ctx.profile;
  if (!profile) {
    ctx.out.result({ signedOut: false }, () => 'Not signed in.');
    return;
  }
  const api = await ctx.api();
  let serverReached = true;
  try {
    await api.logout();
  } catch {
    serverReached = false; // the local session is gone either way
  }
  // The device is gone with its session: so are its private keys, ratchet state and search index.
  await (await ctx.e2eStore()).destroy();
  await (await ctx.privateIndex()).destroy();
  ctx.config.deleteProfile(ctx.profileName);
  ctx.out.result({ signedOut: true, serverReached }, () =>
    serverReached ? `Signed out ${profile.username} from ${profile.server}.` : `Signed out here; ${profile.server} could not be reached to end the session there.`,
  );
}
