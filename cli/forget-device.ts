import type { CliContext } from './context.js';

/**
 * Ends this profile's device: its session (on the server too, where it can be reached: best effort,
 * as a revoked session is gone there already), and here its private keys, ratchet state, search
 * index, composer drafts and the profile record (a plain `chat logout` keeps all of these). With `revoke` (`chat logout --forget-device`)
 * the device is first revoked on the server, so no member shares keys with it again; a failure to
 * revoke then throws (and nothing is removed), since a device left in the directory keeps getting keys.
 * Resolves to whether the server was reached. Throws `unauthorized` when the profile belongs to
 * another server than the one asked for, and what the keychain throws when the local state cannot
 * be removed.
 */
export async function forgetDevice(ctx: CliContext, opts: { revoke?: boolean } = {}): Promise<boolean> {
  const api = await ctx.api();
  if (opts.revoke) {
    const session = await api.session();
    if (session) await api.revokeDevice(session.deviceId);
  }
  let serverReached = true;
  try {
    await api.logout();
  } catch {
    serverReached = false; // the local session is gone either way
  }
  // The device is gone with its session: so are its private keys, ratchet state, search index and drafts.
  await (await ctx.e2eStore()).destroy();
  await (await ctx.privateIndex()).destroy();
  await (await ctx.draftFile()).destroy();
  ctx.config.deleteProfile(ctx.profileName);
  return serverReached;
}
