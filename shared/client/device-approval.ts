import type { SasContext, SasKey, UserIdentity } from '../crypto/index.js';
import { checkSasCommitment, CryptoError, newSasKey, openSasSecret, sasCode, sasCommitment, sealSasSecret, signDevice } from '../crypto/index.js';
import type { DirectoryDevice, Verification, VerificationCancelReason } from '../protocol/index.js';
import { ChatError, SharedBackupKey } from '../protocol/index.js';
import type { ApiClient } from './api-client.js';
import { backoffDelay } from './backoff.js';
import type { E2ESession } from './e2e-session.js';
import type { KeyBackup, RestoreReport } from './key-backup.js';

/**
 * The key backup as an approval uses it: the approving device sends the backup key it holds
 * (`shareable`), the new device restores the backup with it (`restoreFromKey`), so the new device
 * reads the private history from before it was approved.
 */
export type ApprovalBackup = Pick<KeyBackup, 'shareable' | 'restoreFromKey'>;

/**
 * What became of the earlier history on the new device: `restored` (the approver sent the backup key
 * and the backup was restored: `report`), `none` (no key came: the approver holds no backup key, or
 * is of an older build; `chat keys restore` with the recovery key still works), or `refused`
 * (`reason`: a key came that did not open or did not open the backup, and was not used).
 */
export type ApprovalHistory =
  | { readonly backup: 'restored'; readonly report: RestoreReport }
  | { readonly backup: 'none' }
  | { readonly backup: 'refused'; readonly reason: string };

/** The name the backup key travels under in a verification (its secret's associated data binds it). */
const BACKUP_SECRET = 'backup_key';

/**
 * What an approval needs from its interface: show the code and ask the user to confirm it (each
 * interface decides how: the CLI has the code shown on the other device typed in), and wait between
 * looks at the server (the clock is the caller's).
 */
export interface ApprovalIo {
  /**
   * Shows the code; resolves true only when the user confirmed it matches the other device's. Once
   * `signal` aborts (the verification was cancelled meanwhile, or the flow was stopped), the answer no
   * longer counts: the question may be taken down, and the promise may reject or settle as it likes.
   */
  confirmCode(code: string, signal: AbortSignal): Promise<boolean>;
  /**
   * Resolves after `ms` milliseconds (or sooner, when a `devices` frame came); rejects once the flow
   * is stopped (`signal` aborted), which ends the flow with that error.
   */
  wait(ms: number): Promise<void>;
  /**
   * Aborted when the user stops the flow (Ctrl-C): `wait` must then reject at once. An open request
   * is cancelled on the server as it ends: by the new device with "the new device stopped waiting",
   * by the approver with "declined on the approving device".
   */
  signal?: AbortSignal;
  /** Told what the flow waits for, for a status line. */
  progress?(what: string): void;
}

/** How often (ms) a flow looks at the server, and how many looks before it gives up (5 minutes). */
const POLL_MS = 1000;
const MAX_POLLS = 300;

/** How many times a look at the server is tried while it cannot be reached (a restart), with backoff between. */
const LOOK_ATTEMPTS = 10;

/** What an approver says when the device it approves was revoked meanwhile. */
const REVOKED = 'the new device was revoked' as const;

/**
 * Reads from the server (idempotent), again with backoff while the server answers `unavailable` (it
 * cannot be reached or answers 5xx, as while it restarts), so a waiting flow outlives a restart.
 */
async function look<T>(io: ApprovalIo, read: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof ChatError && error.code === 'unavailable') || attempt + 1 >= LOOK_ATTEMPTS) throw error;
      await io.wait(backoffDelay(attempt, Math.random, { baseMs: 500, maxMs: 5_000 }));
    }
  }
}

/**
 * Asks, from this new device, to be approved by another device of the account (the short
 * authentication string exchange in shared/crypto/sas.ts): commits to an ephemeral key, waits for an
 * approver, reveals, shows the code, and waits until the approver signed this device. Once the user
 * confirmed the code, this device trusts the identity key the code covered. When the approver sent
 * the key backup's key over the verification (sealed to this verification's ephemeral keys) and
 * `backup` is given, restores the backup with it — the earlier private history, and the identity key
 * it holds — and says so in the answer; a key that does not open is not used (`refused`).
 *
 * Throws ChatError: `forbidden` when the user said the codes differ or the other device cancelled,
 * `conflict` when this device is already approved, `unavailable` when no approver came in time.
 */
export async function requestApproval(e2e: E2ESession, api: ApiClient, io: ApprovalIo, backup?: ApprovalBackup): Promise<ApprovalHistory> {
  const keys = await e2e.device();
  if ((await e2e.identityStatus()) !== 'unapproved') throw new ChatError('conflict', 'this device is already approved');
  const id = globalThis.crypto.randomUUID();
  const mine = await newSasKey();
  await api.startVerification(id, await sasCommitment(id, mine.publicKey));
  try {
    return await approvedFrom(e2e, api, io, { id, mine, userId: keys.userId, deviceId: keys.deviceId }, backup);
  } catch (error) {
    // A request left open would be taken up by the next approver; once this side gave up, it is over.
    await api.verificationStep(id, { action: 'cancel', reason: 'the new device stopped waiting' }).catch(() => undefined);
    throw error;
  }
}

/** The new device's side of an approval once it asked: see requestApproval. */
async function approvedFrom(e2e: E2ESession, api: ApiClient, io: ApprovalIo, own: { id: string; mine: SasKey; userId: string; deviceId: string }, backup: ApprovalBackup | undefined): Promise<ApprovalHistory> {
  const { id, mine } = own;
  const keys = own;
  io.progress?.('waiting for another of your devices to approve this one (chat devices approve)');
  const accepted = await until(api, id, io, (v) => v.state.step === 'accepted');
  const approverKey = accepted.state.approverKey as string;
  const approverId = accepted.state.approverDevice as string;
  const devices = await api.devicesOfUser(keys.userId);
  const me = devices.find((d) => d.deviceId === keys.deviceId);
  const approver = devices.find((d) => d.deviceId === approverId);
  const identityKey = approver?.identityKey;
  if (!me || !approver || !identityKey) return cancel(api, id, 'the approving device or the identity key is not published');
  await api.verificationStep(id, { action: 'reveal', key: mine.publicKey });
  const ctx = contextOf(id, keys.userId, identityKey, me, approver);
  const roles = { newKey: mine.publicKey, approverKey };
  const code = await sasCode(ctx, mine, approverKey, roles);
  if (!(await confirmWhileOpen(api, id, io, code))) return cancel(api, id, 'the codes did not match on the new device');
  await e2e.pinOwnIdentity(identityKey);
  await api.verificationStep(id, { action: 'confirm' });
  io.progress?.('waiting for the other device to sign this one');
  const done = await until(api, id, io, (v) => v.state.step === 'done');
  if ((await e2e.identityStatus()) !== 'approved') throw new ChatError('forbidden', 'the approval did not give this device a valid signature');
  const sealed = done.state.secret;
  if (!sealed || !backup) return { backup: 'none' };
  io.progress?.('restoring your earlier private messages from the key backup');
  return receiveBackupKey(backup, sealed, (name) => openSasSecret(ctx, mine, approverKey, roles, name, sealed));
}

/**
 * Opens the backup key the approver sent (`open`: this verification's secret opened under this
 * device's ephemeral key) and restores the backup with it. Refuses, without using it, a secret of
 * another name, one that does not open (not from the verified device, altered, or from another
 * verification), one that is not a backup key, and one that does not open the server's backup.
 * Other failures (the server unreachable) are thrown.
 */
export async function receiveBackupKey(backup: ApprovalBackup, sealed: { name: string }, open: (name: string) => Promise<string>): Promise<ApprovalHistory> {
  if (sealed.name !== BACKUP_SECRET) return { backup: 'refused', reason: `a secret this device did not expect (${sealed.name.slice(0, 40)})` };
  let shared: SharedBackupKey;
  try {
    const parsed = SharedBackupKey.safeParse(JSON.parse(await open(BACKUP_SECRET)));
    if (!parsed.success) return { backup: 'refused', reason: 'what the other device sent is not a key backup key' };
    shared = parsed.data;
  } catch (error) {
    if (error instanceof CryptoError || error instanceof SyntaxError) return { backup: 'refused', reason: error.message };
    throw error;
  }
  try {
    return { backup: 'restored', report: await backup.restoreFromKey(shared) };
  } catch (error) {
    if (error instanceof ChatError && error.code === 'conflict') return { backup: 'refused', reason: error.message };
    throw error;
  }
}

/**
 * Approves a new device of the account from this one, which must hold the identity key: takes the
 * newest open request (of `deviceId`, if given), answers with an ephemeral key, checks the new
 * device's revealed key against its commitment, shows the code, and once both users confirmed it
 * signs the new device with the identity key and publishes the signature. Before it signs, when
 * `backup` is given and this device holds the current key backup's key, it sends the new device that
 * key, sealed to this verification (shared/crypto/sas.ts `sealSasSecret`): the new device restores the
 * backup with it and reads the earlier private history. Returns the device.
 *
 * Throws ChatError: `forbidden` when this device does not hold the identity key, the commitment does
 * not match (a tampering server), the codes differ, or the verification was cancelled; `conflict`
 * when the new device was revoked meanwhile; `unavailable` when no request came in time or the server
 * stayed unreachable through LOOK_ATTEMPTS tries (a shorter outage is waited out with backoff).
 */
export async function approveDevice(e2e: E2ESession, api: ApiClient, io: ApprovalIo, deviceId?: string, backup?: ApprovalBackup): Promise<DirectoryDevice> {
  const keys = await e2e.device();
  const identity = await e2e.heldIdentity();
  if (!identity) throw new ChatError('forbidden', 'this device does not hold your identity key; approve from the device that does, or use the recovery key');
  const gone = (device: string) => goneFrom(api, io, device);
  let request: Verification | undefined;
  for (let i = 0; !request; i++) {
    request = (await look(io, () => api.verifications())).find((v) => v.state.step === 'requested' && (deviceId === undefined || v.newDevice === deviceId));
    if (request) break;
    if (deviceId !== undefined && (await gone(deviceId))) throw new ChatError('conflict', `${REVOKED} (or is not a device of this account)`);
    if (i >= MAX_POLLS) throw new ChatError('unavailable', 'no device asked to be approved; run `chat devices request` on the new device');
    if (i === 0) io.progress?.('waiting for the new device to ask (chat devices request)');
    await io.wait(POLL_MS);
  }
  const id = request.id;
  const mine = await newSasKey();
  await api.verificationStep(id, { action: 'accept', key: mine.publicKey });
  try {
    return await approveAccepted(api, io, { request, mine, identity, deviceId: keys.deviceId, userId: keys.userId }, backup);
  } catch (error) {
    // Stopped by the user: the new device is told at once instead of waiting out its own time.
    if (io.signal?.aborted) await api.verificationStep(id, { action: 'cancel', reason: 'declined on the approving device' }).catch(() => undefined);
    throw error;
  }
}

/** The approver's side once it accepted `request`: see approveDevice. */
async function approveAccepted(
  api: ApiClient,
  io: ApprovalIo,
  own: { request: Verification; mine: SasKey; identity: UserIdentity; deviceId: string; userId: string },
  backup: ApprovalBackup | undefined,
): Promise<DirectoryDevice> {
  const { request, mine, identity } = own;
  const keys = own;
  const id = request.id;
  const gone = (device: string) => goneFrom(api, io, device);
  const newDevice = request.newDevice;
  const present = async () => !(await gone(newDevice));
  const revealed = await until(api, id, io, (v) => v.state.step === 'revealed', present);
  const newKey = revealed.state.newKey as string;
  try {
    await checkSasCommitment(id, newKey, request.state.commitment);
  } catch (error) {
    await api.verificationStep(id, { action: 'cancel', reason: 'the commitment did not match' }).catch(() => undefined);
    throw new ChatError('forbidden', 'the new device\'s key does not match its commitment: the exchange was tampered with', { cause: error });
  }
  const devices = await api.devicesOfUser(keys.userId);
  const me = devices.find((d) => d.deviceId === keys.deviceId);
  const device = devices.find((d) => d.deviceId === request.newDevice);
  if (!me || !device) return cancel(api, id, 'the new device has no published keys');
  const ctx = contextOf(id, keys.userId, identity.publicKey, device, me);
  const roles = { newKey, approverKey: mine.publicKey };
  const code = await sasCode(ctx, mine, newKey, roles);
  if (!(await confirmWhileOpen(api, id, io, code))) return cancel(api, id, 'the codes did not match on the approving device');
  await api.verificationStep(id, { action: 'confirm' });
  io.progress?.('waiting for the new device to confirm the code');
  await until(api, id, io, (v) => v.state.newConfirmed, present);
  // Both users confirmed the code, so the ephemeral keys are the two devices': only the new one opens this.
  const shared = await backup?.shareable().catch(() => null);
  if (shared) {
    const sealed = await sealSasSecret(ctx, mine, newKey, roles, BACKUP_SECRET, JSON.stringify(shared));
    await api.verificationStep(id, { action: 'secret', name: BACKUP_SECRET, ...sealed });
  }
  await api.signDevice(device.deviceId, await signDevice(identity, device.bundle));
  return device;
}

function contextOf(id: string, userId: string, identityKey: string, newDevice: DirectoryDevice, approver: DirectoryDevice): SasContext {
  const keysOf = (d: DirectoryDevice) => ({ deviceId: d.deviceId, signingKey: d.bundle.signingKey, dhKey: d.bundle.dhKey });
  return { verificationId: id, userId, identityKey, newDevice: keysOf(newDevice), approverDevice: keysOf(approver) };
}

/**
 * Looks at the verification until `done` holds; throws `forbidden` once cancelled (by the other device,
 * or by the server when a device of the two was revoked), `conflict` once `present` (the approver's
 * check that the new device is still one of the account's) says no, `unavailable` after MAX_POLLS.
 */
async function until(api: ApiClient, id: string, io: ApprovalIo, done: (v: Verification) => boolean, present?: () => Promise<boolean>): Promise<Verification> {
  for (let i = 0; i < MAX_POLLS; i++) {
    const v = await look(io, () => api.verification(id));
    if (v.state.step === 'cancelled') throw cancelledError(v);
    if (done(v)) return v;
    if (present && !(await present())) {
      await api.verificationStep(id, { action: 'cancel', reason: REVOKED }).catch(() => undefined);
      throw new ChatError('conflict', REVOKED);
    }
    await io.wait(POLL_MS);
  }
  throw new ChatError('unavailable', 'the other device did not answer in time');
}

/** Whether `device` left the account's device list: it was revoked (or never was one of its devices). */
async function goneFrom(api: ApiClient, io: ApprovalIo, device: string): Promise<boolean> {
  return !(await look(io, () => api.deviceActivity())).some((d) => d.deviceId === device);
}

/** The error a cancelled verification ends a flow with, saying why (the server's or the other device's reason). */
function cancelledError(v: Verification): ChatError {
  return new ChatError('forbidden', `the approval was cancelled: ${v.state.reason ?? 'no reason given'}`);
}

/**
 * Asks the user to confirm `code` while looking at the verification every POLL_MS: once it is
 * cancelled meanwhile (the other device gave up, or a newer request of the new device replaced it),
 * the question is taken down and the flow ends at once with the reason, instead of after the user
 * typed a code that no longer counts. Rejects too when a wait rejects (the flow was stopped).
 */
async function confirmWhileOpen(api: ApiClient, id: string, io: ApprovalIo, code: string): Promise<boolean> {
  const asked = new AbortController();
  const watch = (async (): Promise<never> => {
    for (;;) {
      await io.wait(POLL_MS);
      if (asked.signal.aborted) return new Promise<never>(() => undefined);
      const v = await look(io, () => api.verification(id));
      if (v.state.step === 'cancelled') throw cancelledError(v);
    }
  })();
  try {
    return await Promise.race([io.confirmCode(code, asked.signal), watch]);
  } finally {
    asked.abort();
    watch.catch(() => undefined);
  }
}

async function cancel(api: ApiClient, id: string, reason: VerificationCancelReason): Promise<never> {
  await api.verificationStep(id, { action: 'cancel', reason }).catch(() => undefined);
  throw new ChatError('forbidden', `approval cancelled: ${reason}`);
}

/**
 * One line for the new device once approved, saying what became of its earlier private history
 * (`history` from requestApproval), for the TUI and the web alike; null when there is nothing to say.
 */
export function describeHistory(history: ApprovalHistory | undefined): string | null {
  if (!history) return null;
  if (history.backup === 'restored') {
    const n = history.report.added + history.report.extended;
    return `Your earlier private messages are readable here: ${n} ${n === 1 ? 'key' : 'keys'} restored from your key backup.`;
  }
  if (history.backup === 'refused') return `The key backup's key the other device sent was not used (${history.reason}); enter your recovery key for earlier private messages.`;
  return 'Earlier private messages need your recovery key: the approving device sent no key backup key.';
}
