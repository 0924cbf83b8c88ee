import { fingerprint, formatSafetyNumber, publicBundle } from '../../shared/crypto/index.js';
import type { CliContext } from '../context.js';
import { neutralize } from '../output.js';

/** `chat keys [--revoke DEVICE]`: this device's fingerprint and your devices; `--revoke` is `chat devices revoke`. */
export async function run(ctx: CliContext, opts: { revoke?: string } = {}): Promise<void> {
  const { api, session } = await ctx.signedIn();
  if (opts.revoke) {
    ctx.out.note('`chat keys --revoke` is now `chat devices revoke`.');
    const { revoke } = await import('./devices.js');
    await revoke(ctx, opts.revoke);
    return;
  }
  const keys = await (await ctx.e2e(api, session)).device();
  const bundle = await publicBundle(keys);
  const print = formatSafetyNumber(await fingerprint(session.user.id, [bundle.signingKey]));
  const devices = await api.devicesOfUser(session.user.id);
  ctx.out.result({ deviceId: keys.deviceId, signingKey: bundle.signingKey, fingerprint: print.replace(/ /g, ''), devices: devices.map((d) => ({ deviceId: d.deviceId, name: d.name, signingKey: d.bundle.signingKey })) }, () => [
    `This device (${keys.deviceId})`,
    `  fingerprint ${print}`,
    `Your devices with published keys: ${devices.length}`,
    ...devices.map((d) => `  ${d.deviceId === keys.deviceId ? '*' : ' '} ${neutralize(d.name)} (${neutralize(d.deviceId)})`),
  ]);
}
