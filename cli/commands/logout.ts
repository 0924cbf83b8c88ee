import type { CliContext } from '../context.js';
import { forgetDevice } from '../forget-device.js';

/** `chat logout [--forget-device]`: ends the session on the server and forgets it here; with the flag the device is revoked first. */
export async function run(ctx: CliContext, opts: { forgetDevice?: boolean } = {}): Promise<void> {
  const profile = ctx.profile;
  if (!profile) {
    ctx.out.result({ signedOut: false }, () => 'Not signed in.');
    return;
  }
  const revoked = opts.forgetDevice === true;
  const serverReached = await forgetDevice(ctx, { revoke: revoked });
  ctx.out.result({ signedOut: true, serverReached, deviceRevoked: revoked }, () =>
    serverReached
      ? `Signed out ${profile.username} from ${profile.server}${revoked ? '; this device is revoked and its keys are deleted' : ''}.`
      : `Signed out here; ${profile.server} could not be reached to end the session there.`,
  );
}
