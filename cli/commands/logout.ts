import type { CliContext } from '../context.js';
import { forgetDevice } from '../forget-device.js';

/** `chat logout`: ends the session on the server and forgets it here. */
export async function run(ctx: CliContext): Promise<void> {
  const profile = ctx.profile;
  if (!profile) {
    ctx.out.result({ signedOut: false }, () => 'Not signed in.');
    return;
  }
  const serverReached = await forgetDevice(ctx);
  ctx.out.result({ signedOut: true, serverReached }, () =>
    serverReached ? `Signed out ${profile.username} from ${profile.server}.` : `Signed out here; ${profile.server} could not be reached to end the session there.`,
  );
}
