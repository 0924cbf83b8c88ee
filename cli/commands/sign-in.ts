import { hostname } from 'node:os';
import { signDeviceProof } from '../../shared/crypto/index.js';
import type { DeviceKeys } from '../../shared/crypto/index.js';
import { ChatError } from '../../shared/protocol/index.js';
import type { Session } from '../../shared/protocol/index.js';
import { MemorySessionStore } from '../../shared/client/index.js';
import type { ApiClient, StoredSession } from '../../shared/client/index.js';
import type { CliContext } from '../context.js';
import { neutralize } from '../output.js';
import { recoveryKeyNotice } from '../recovery-key-notice.js';
import { parseUserRef } from '../room-ref.js';
import { promptHidden, readAll } from '../node/terminal-input.js';

/** Reads the password from stdin (--password-stdin) or a hidden prompt, twice when registering. */
async function password(ctx: CliContext, fromStdin: boolean, confirm: boolean): Promise<string> {
  const { stdin, stderr } = ctx.io;
  if (fromStdin) {
    const text = (await readAll(stdin)).replace(/\r?\n$/, '');
    if (!text) throw new ChatError('invalid_request', '--password-stdin: stdin was empty');
    return text;
  }
  const first = await promptHidden(stdin, stderr, 'Password: ', ctx.io.signal);
  if (confirm && (await promptHidden(stdin, stderr, 'Repeat password: ', ctx.io.signal)) !== first) {
    throw new ChatError('invalid_request', 'the passwords do not match');
  }
  return first;
}

/** `chat register` and `chat login` (`carol` or `@carol`, see parseUserRef): start a session, keep it in the keychain (or file), say where. */
export async function signIn(ctx: CliContext, mode: 'register' | 'login', typed: string, opts: { passwordStdin?: boolean }): Promise<void> {
  const username = parseUserRef(typed);
  const pw = await password(ctx, opts.passwordStdin ?? false, mode === 'register');
  const done = await startSession(ctx, mode, username, pw);
  const recovery = done.recoveryKey === undefined ? {} : { recoveryKey: done.recoveryKey };
  // On stderr, --json or not: the profile's earlier device went, and no one asked.
  if (done.replaced) ctx.out.note(replacedNote(done.replaced, ctx.profileName, done.server));
  const replaced = done.replaced ? { replaced: done.replaced } : {};
  ctx.out.result({ user: done.user, deviceId: done.deviceId, resumed: done.resumed, server: done.server, profile: ctx.profileName, keystore: done.keystore, ...recovery, ...replaced }, () => {
    // The recovery key goes to stderr, never stdout, so a redirected stdout does not keep it in a file.
    if (done.recoveryKey !== undefined) for (const line of recoveryKeyNotice(done.recoveryKey)) ctx.out.note(line);
    return signedInLines(mode, done);
  });
}

/**
 * The profile's earlier sign-in that a sign-in replaced with a new device (another server, or another
 * user): where and as whom it was, and whether its session was still open (and so was ended now).
 */
export interface ReplacedSignIn {
  readonly server: string;
  readonly username: string;
  readonly sessionEnded: boolean;
}

/**
 * The note for a sign-in that replaced the profile's earlier one (`replaced`) in profile `profile`, now
 * on `server`: that its session was ended (or had been), that its device's keys were removed from the
 * profile, and how to keep both next time (`--profile NAME`).
 */
export function replacedNote(replaced: ReplacedSignIn, profile: string, server: string): string {
  const where = `${neutralize(replaced.username)} on ${replaced.server}`;
  const session = replaced.sessionEnded ? `the session of ${where} was ended` : `${where} was signed out already`;
  const other = replaced.server === server ? 'another user' : 'another server';
  return [
    `Note: profile "${neutralize(profile)}" held a sign-in to ${other}: ${session}, and that device's keys were removed from this profile (a profile holds one sign-in).`,
    `To keep both next time, give each its own profile: \`chat --profile NAME --server URL login USER\` (or CHAT_PROFILE=NAME).`,
  ].join('\n');
}

/** What `signedInLines` reads of a finished sign-in. */
export interface SignedIn {
  readonly user: { readonly username: string };
  readonly deviceId: string;
  readonly resumed: boolean;
  readonly server: string;
  readonly keystoreDescription: string;
  readonly backup: boolean;
}

/**
 * The human lines after `chat register` / `chat login`: who signed in where; a device resumed says
 * so; a new device signing in says both ways to bring it its keys — approval from a signed-in device
 * (`chat devices request` here, `chat devices approve` there) and, when the account has a key
 * backup, `chat keys restore` with the recovery key.
 */
export function signedInLines(mode: 'register' | 'login', done: SignedIn): string[] {
  const newDevice = mode === 'login' && !done.resumed;
  const approve = 'run `chat devices request` here and `chat devices approve` on a device that is signed in already';
  return [
    `${mode === 'register' ? 'Registered and signed in' : 'Signed in'} as ${neutralize(done.user.username)} on ${done.server} (credentials in ${done.keystoreDescription})`,
    ...(done.resumed ? [`This is the same device as before (${neutralize(done.deviceId)}): its keys and approval are kept.`] : []),
    ...(newDevice && done.backup
      ? [`To read your earlier private messages on this device, either ${approve}, or run \`chat keys restore\` with your recovery key.`]
      : newDevice
        ? [`To read private messages on this device, ${approve}.`]
        : []),
  ];
}

/**
 * The device keys this profile kept from an earlier sign-in of `username` to the same server with the
 * same keystore (after a plain `chat logout`, or still signed in): what signing in again resumes.
 * Undefined when there are none, or they belong elsewhere. Changes nothing.
 */
async function keptDevice(ctx: CliContext, serverUrl: string, backend: string, username: string): Promise<DeviceKeys | undefined> {
  const previous = ctx.profile;
  if (!previous || previous.server !== serverUrl || previous.keystore !== backend || previous.username.toLowerCase() !== username.toLowerCase()) return undefined;
  const store = await ctx.e2eStore(true);
  try {
    return (await store.loadDevice()) ?? undefined;
  } finally {
    await store.close();
  }
}

/**
 * The session open in this profile now, with a client for the server it was opened on (which may not
 * be the one signed in to now) over its keystore; undefined when none.
 */
async function openSession(ctx: CliContext): Promise<{ api: ApiClient; session: StoredSession } | undefined> {
  if (!ctx.profile) return undefined;
  try {
    const api = await ctx.api({ server: ctx.profile.server });
    const session = await api.session();
    return session ? { api, session } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Ends, once a new session has started, the one that was open before (best effort), so its tokens do
 * not linger: on the server it was opened on (another server's session too) with its own refresh token (the keystore entry holds the new session when
 * the keystore is the same), and in its own keystore when that is another one.
 */
async function endReplaced(ctx: CliContext, replaced: { api: ApiClient; session: StoredSession }, sameKeystore: boolean): Promise<void> {
  if (!sameKeystore) {
    await replaced.api.logout().catch(() => undefined);
    return;
  }
  const sessions = new MemorySessionStore();
  await sessions.save(replaced.session);
  await (await ctx.api({ sessions, server: replaced.api.serverUrl })).logout().catch(() => undefined);
}

/**
 * Registers or signs in, records the profile, and makes and publishes this device's keys. Signing in
 * as the user this profile last signed in as, on the same server, resumes the device kept here (its
 * keys prove it: the server never takes a device id on trust), so it stays approved and reads its
 * history; should the server no longer know it (revoked), or on any other sign-in, a new device
 * replaces the previous one's end-to-end state and search index. Nothing here changes until the
 * server has accepted the sign-in: one that fails (wrong password, name taken, server unreachable)
 * leaves the session open before, its device and keys as they were; the session replaced is ended
 * after. Shared by the commands and the interactive client's sign-in form.
 */
export async function startSession(ctx: CliContext, mode: 'register' | 'login', username: string, pw: string) {
  const previous = ctx.profile;
  const api = await ctx.api({ forSignIn: true });
  const secrets = await ctx.secrets(true);
  const kept = mode === 'login' ? await keptDevice(ctx, api.serverUrl, secrets.backend, username) : undefined;
  const replaced = await openSession(ctx);
  const deviceName = `chat-cli on ${hostname()}`.slice(0, 64);
  let session: Session | undefined;
  if (kept) {
    try {
      session = await api.login({ username, password: pw, deviceName }, { deviceId: kept.deviceId, prove: (challenge) => signDeviceProof(kept, challenge) });
    } catch (error) {
      // Revoked (or forgotten by the server): this machine signs in as a new device instead.
      if (!(error instanceof ChatError && error.code === 'not_found')) throw error;
    }
  }
  session ??= mode === 'register' ? await api.register({ username, password: pw, deviceName }) : await api.login({ username, password: pw, deviceName });
  const resumed = session.device.resumed === true;
  if (previous && replaced) await endReplaced(ctx, replaced, previous.keystore === secrets.backend);
  // Another server's or another user's sign-in is replaced, its device with it: said to the caller.
  const replacedSignIn: ReplacedSignIn | undefined =
    previous && (previous.server !== api.serverUrl || previous.username.toLowerCase() !== session.user.username.toLowerCase())
      ? { server: previous.server, username: previous.username, sessionEnded: replaced !== undefined }
      : undefined;
  if (previous && !resumed) {
    // A new device. The previous one's keys, sending chains and search index go (as with `chat
    // logout --forget-device`): its chains were shared under its device id, so members could not open
    // what the new device sent on them. Opened with the keystore the previous profile recorded.
    await (await ctx.e2eStore()).destroy();
    await (await ctx.privateIndex()).destroy();
  }
  ctx.config.setProfile(ctx.profileName, { server: api.serverUrl, username: session.user.username, keystore: secrets.backend });
  // This device's keys for private rooms, made and published now so others can share with it.
  const stored = await api.session();
  let recoveryKey: string | undefined;
  let backup = false;
  if (stored) {
    await (await ctx.e2e(api, stored, true)).device();
    const keyBackup = await ctx.keyBackup(api, stored, true);
    // A new account gets its key backup at once, so every chain key it ever receives goes in.
    if (mode === 'register') recoveryKey = (await keyBackup.create()).recoveryKey;
    else if (!resumed) backup = await keyBackup.status().then((s) => s.backup !== null, () => false);
  }
  return {
    user: session.user,
    deviceId: session.device.id,
    /** Whether this signed in again as the device kept here (no new device, no approval needed). */
    resumed,
    server: api.serverUrl,
    keystore: secrets.backend,
    keystoreDescription: secrets.description,
    /** Only after registering: the new key backup's recovery key, to show once. */
    recoveryKey,
    /** After signing in: whether the account has a key backup to restore. */
    backup,
    /** The profile's earlier sign-in (another server or user) that this one replaced, its device's keys removed. */
    replaced: replacedSignIn,
  };
}
