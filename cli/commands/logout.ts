import type { CliContext } from '../context.js';
import { forgetDevice } from '../forget-device.js';
import { neutralize } from '../output.js';

/**
 * `chat logout [--forget-device]`. Plain: ends the session on the server and forgets its tokens here,
 * but keeps the device: its keys, approval and history stay in this profile, so `chat login` as the
 * same user resumes it. With the flag the device is revoked on the server (where a session still
 * allows it) and its keys, state and profile are deleted here.
 */
export async function run(ctx: CliContext, opts: { forgetDevice?: boolean } = {}): Promise<void> {
  const profile = ctx.profile;
  if (!profile) {
    ctx.out.result({ signedOut: false }, () => 'Not signed in.');
    return;
  }
  const api = await ctx.api();
  const session = await api.session();
  if (opts.forgetDevice) {
    // Signed out already (a kept device): its keys go here; only another device can revoke it now.
    const revoked = session !== null;
    const serverReached = await forgetDevice(ctx, { revoke: revoked });
    ctx.out.result({ signedOut: revoked, serverReached, deviceRevoked: revoked, deviceKept: false }, () =>
      !revoked
        ? `Deleted this device's keys here. It was signed out already, so the server still lists it: revoke it from another of your devices (\`chat devices revoke\`).`
        : serverReached
          ? `Signed out ${neutralize(profile.username)} from ${profile.server}; this device is revoked and its keys are deleted.`
          : `Signed out here; ${profile.server} could not be reached to end the session there.`,
    );
    return;
  }
  if (!session) {
    ctx.out.result({ signedOut: false }, () => 'Not signed in.');
    return;
  }
  let serverReached = true;
  try {
    await api.logout();
  } catch {
    serverReached = false; // the tokens are gone here either way
  }
  ctx.out.result({ signedOut: true, serverReached, deviceRevoked: false, deviceKept: true }, () => [
    serverReached
      ? `Signed out ${neutralize(profile.username)} from ${profile.server}.`
      : `Signed out here; ${profile.server} could not be reached to end the session there.`,
    `This device's keys stay here: \`chat login ${neutralize(profile.username)}\` signs in again as the same device, with no new approval (\`chat logout --forget-device\` deletes them).`,
  ]);
}
