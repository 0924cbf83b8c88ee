import { setTimeout as sleep } from 'node:timers/promises';
import type { AccountDevice, ApprovalIo } from '../../shared/client/index.js';
import { approveDevice, KEYLESS_LABEL, requestApproval } from '../../shared/client/index.js';
import { sameSasCode } from '../../shared/crypto/index.js';
import type { DeviceAdded } from '../../shared/protocol/index.js';
import { ChatError } from '../../shared/protocol/index.js';
import type { CliContext } from '../context.js';
import { readLine } from '../node/terminal-input.js';
import { formatLastSeen, formatTime, neutralize } from '../output.js';

/** Where a sign-in came from, as the server saw it (an IP address), or that it is not known. */
const place = (address: string | null | undefined) => (address ? `from ${neutralize(address)}` : 'from an unknown address');

/** How a device is described in lists and notices: name, id, when and from where it was added. */
function describe(d: AccountDevice): string {
  return `${neutralize(d.device.name)} (${neutralize(d.device.deviceId)}), added ${formatTime(d.device.createdAt)} ${place(d.activity?.addedFrom)}`;
}

/** The second line of a device in `chat devices`: its latest sign-in and when it was last seen. */
function activityLine(d: AccountDevice): string {
  const a = d.activity;
  if (!a) return 'last seen: not known';
  const signedIn = a.signedInAt && a.signedInAt !== a.createdAt ? `; signed in again ${formatTime(a.signedInAt)} ${place(a.signedInFrom)}` : '';
  return `${a.lastSeenAt ? formatLastSeen(a.lastSeenAt) : 'last seen never'}${signedIn}`;
}

/**
 * Tells on stderr about devices added to this account since this device last looked, and whether
 * each is approved (an unapproved one could be someone who has the password).
 */
export function tellNewDevices(ctx: CliContext, devices: readonly AccountDevice[]): void {
  for (const d of devices.filter((x) => x.isNew)) {
    const id = neutralize(d.device.deviceId);
    if (!d.keys) {
      ctx.out.note(ctx.out.style('red', `* A new device signed in to your account: ${describe(d)}; ${KEYLESS_LABEL}, but it reads open rooms and your room list. If it is not yours, revoke it with \`chat devices revoke ${id}\` and change your password.`));
      continue;
    }
    ctx.out.note(
      ctx.out.style(
        d.approved ? 'yellow' : 'red',
        d.approved
          ? `* A device was added to your account: ${describe(d)}; it is approved.`
          : `* A new device signed in to your account: ${describe(d)}. If it is yours, approve it with \`chat devices approve ${neutralize(d.device.deviceId)}\`; if not, revoke it with \`chat devices revoke ${neutralize(d.device.deviceId)}\` and change your password.`,
      ),
    );
  }
}

/**
 * Tells on stderr, as it happens (`chat read --follow`), that a device just signed in to this account
 * for the first time, with when and from where, and what to do about it.
 */
export function tellAddedDevice(ctx: CliContext, added: DeviceAdded): void {
  const id = neutralize(added.deviceId);
  ctx.out.note(
    ctx.out.style(
      'red',
      `* A new device signed in to your account: ${neutralize(added.name)} (${id}) at ${formatTime(added.createdAt)} ${place(added.from)}. If it is yours, approve it with \`chat devices approve ${id}\`; if not, revoke it with \`chat devices revoke ${id}\` and change your password.`,
    ),
  );
}

/**
 * `chat devices`: this account's devices: each verified (signed by the account's identity key) or
 * not, this one marked, when and from where it was added, its latest sign-in and when it was last
 * seen (the server writes that at most every few minutes).
 */
export async function list(ctx: CliContext): Promise<void> {
  const { api, session } = await ctx.signedIn();
  const e2e = await ctx.e2e(api, session);
  const devices = await e2e.accountDevices();
  const status = await e2e.identityStatus();
  tellNewDevices(ctx, devices);
  ctx.out.result(
    {
      thisDevice: { deviceId: session.deviceId, status },
      devices: devices.map((d) => ({
        deviceId: d.device.deviceId,
        name: d.device.name,
        createdAt: d.device.createdAt,
        approved: d.approved,
        keys: d.keys,
        current: d.current,
        addedFrom: d.activity?.addedFrom ?? null,
        signedInAt: d.activity?.signedInAt ?? null,
        signedInFrom: d.activity?.signedInFrom ?? null,
        lastSeenAt: d.activity?.lastSeenAt ?? null,
      })),
    },
    () => [
      status === 'unapproved'
        ? ctx.out.style('red', 'This device is not approved: other members share no keys with it. Run `chat devices request` here and `chat devices approve` on another of your devices.')
        : `This device is approved${status === 'holder' ? ' and holds your identity key' : ''}.`,
      `Your devices: ${devices.length}`,
      ...devices.flatMap((d) => deviceLines(ctx, d)),
    ],
  );
}

/**
 * A device in `chat devices`, in two or three lines: approved or not (or, for a sign-in that
 * published no keys, labelled so with how to revoke it), what `describe` says, and its activity.
 */
export function deviceLines(ctx: Pick<CliContext, 'out'>, d: AccountDevice): string[] {
  const mark = d.approved ? 'approved  ' : d.keys ? ctx.out.style('red', 'UNAPPROVED') : ctx.out.style('red', 'NO KEYS   ');
  return [
    `  ${d.current ? '*' : ' '} ${mark} ${describe(d)}${d.current ? ' (this device)' : ''}`,
    ...(d.keys ? [] : [`               ${ctx.out.style('red', `${KEYLESS_LABEL}; it reads open rooms and your room list. Not yours? chat devices revoke ${neutralize(d.device.deviceId)}`)}`]),
    `               ${activityLine(d)}`,
  ];
}

/** What ends an approval that the user stopped (Ctrl-C, SIGTERM); main.ts exits with ExitCode.interrupted. */
const stopped = () => new ChatError('unavailable', 'stopped waiting for the approval; the request is cancelled');

/**
 * The CLI's side of an approval: the code on stderr, the code shown on the other device typed (or
 * piped) in. Every wait ends at once on `ctx.io.signal` (Ctrl-C, SIGTERM), and so does the question.
 */
export function approvalIo(ctx: Pick<CliContext, 'io' | 'out'>): ApprovalIo {
  const { signal } = ctx.io;
  return {
    async confirmCode(code, asked) {
      ctx.out.note(`Code: ${code}`);
      const typed = await readLine(ctx.io.stdin, ctx.io.stderr, 'Type the code the other device shows (Enter alone if they differ): ', AbortSignal.any([signal, asked]));
      if (signal.aborted) throw stopped();
      return sameSasCode(typed, code);
    },
    wait: (ms) => sleep(ms, undefined, { signal }).catch(() => Promise.reject(stopped())),
    progress: (what) => ctx.out.note(`${what[0]?.toUpperCase() ?? ''}${what.slice(1)}…`),
    signal,
  };
}

/** `chat devices request`: on a new device, asks another device of the account to approve this one. */
export async function request(ctx: CliContext): Promise<void> {
  const { api, session } = await ctx.signedIn();
  const { e2e, backup } = await ctx.deviceKeys(api, session);
  const history = await requestApproval(e2e, api, approvalIo(ctx), backup);
  if (history.backup === 'refused') ctx.out.note(ctx.out.style('red', `The key backup's key the other device sent was not used: ${neutralize(history.reason)}. Restore earlier messages with \`chat keys restore\` and your recovery key.`));
  ctx.out.result(
    {
      approved: true,
      deviceId: session.deviceId,
      history: history.backup,
      ...(history.backup === 'restored' ? { restored: { added: history.report.added, extended: history.report.extended, kept: history.report.kept, refused: history.report.refused, identity: history.report.identity } } : {}),
    },
    () => [
      'This device is approved: members now share their keys with it.',
      ...(history.backup === 'restored'
        ? [`Your earlier private messages are readable here: ${history.report.added + history.report.extended} keys restored from your key backup${history.report.identity === 'restored' ? ', and this device now holds your identity key' : ''}.`]
        : history.backup === 'none'
          ? ['The approving device sent no key backup key: earlier private messages need `chat keys restore` and your recovery key.']
          : []),
    ],
  );
}

/** `chat devices approve [DEVICE]`: approves a new device of the account that asked (`chat devices request` there). */
export async function approve(ctx: CliContext, deviceId?: string): Promise<void> {
  const { api, session } = await ctx.signedIn();
  const { e2e, backup } = await ctx.deviceKeys(api, session);
  const device = await approveDevice(e2e, api, approvalIo(ctx), deviceId, backup);
  ctx.out.result({ approved: device.deviceId }, () => `Approved ${neutralize(device.name)} (${neutralize(device.deviceId)}).`);
}

/** `chat devices revoke DEVICE`: retires a lost or unknown device: its sessions end, its sockets close, it gets no more keys. */
export async function revoke(ctx: CliContext, deviceId: string): Promise<void> {
  const { api } = await ctx.signedIn();
  await api.revokeDevice(deviceId);
  ctx.out.result({ revoked: deviceId }, () => `Revoked device ${neutralize(deviceId)}: its sessions are over, and private rooms stop sharing keys with it.`);
}

/**
 * `chat devices reset-identity`: a new identity for an account whose approved devices are all gone
 * (and whose recovery key is lost). Contacts see that the identity changed.
 */
export async function resetIdentity(ctx: CliContext): Promise<void> {
  const { api, session } = await ctx.signedIn();
  await (await ctx.e2e(api, session)).resetIdentity();
  ctx.out.result({ reset: true }, () => 'This device now holds a new identity for your account; your contacts will see that your safety number changed.');
}
