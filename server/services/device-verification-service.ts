import { verifyDeviceSignature } from '../../shared/crypto/index.js';
import { APPROVER_CANCEL_REASONS, ChatError, NEW_DEVICE_CANCEL_REASONS } from '../../shared/protocol/index.js';
import type { Verification, VerificationState, VerificationStepRequest } from '../../shared/protocol/index.js';
import type { Bus } from '../bus/bus.js';
import { publishControl } from '../bus/messages.js';
import type { Store, VerificationRecord } from '../store/store.js';
import type { AccessClaims } from './tokens.js';

/** How many times a step is tried against a verification that other writes keep changing. */
const STEP_ATTEMPTS = 3;

/** How long (ms) a device verification stays open after the new device asked. */
export const VERIFICATION_TTL_MS = 10 * 60 * 1000;

/**
 * How many verifications of one account may be open (neither done nor cancelled, not expired) at
 * once; one more is refused with `rate_limited` (429) rather than pushing older ones out of sight.
 */
export const MAX_OPEN_VERIFICATIONS = 10;

/** How many of the newest closed (done or cancelled) verifications `list` adds to the open ones. */
const RECENT_CLOSED = 20;

/** Why the server cancels a new device's earlier request when the same device asks again. */
export const REPLACED_REASON = 'a newer request from the same device replaced it';

export interface DeviceVerificationDeps {
  readonly store: Store;
  readonly bus: Bus;
  readonly now?: () => Date;
}

const toDto = (v: VerificationRecord): Verification => ({ id: v.id, userId: v.userId, newDevice: v.newDevice, createdAt: v.createdAt.toISOString(), state: v.state });

/**
 * Relays the short-authentication-string exchange that approves a new device (shared/crypto/sas.ts)
 * between the devices of one user. The server holds only public ephemeral keys and a commitment: it
 * cannot learn or choose the code, and a swap of any key makes the two devices show different codes.
 * It enforces the order of the steps and who may take each, so that honest devices are not confused;
 * the devices check everything again themselves.
 */
export class DeviceVerificationService {
  private readonly now: () => Date;

  constructor(private readonly deps: DeviceVerificationDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * The calling (new) device asks to be approved, committing to its ephemeral key. Only a device with
   * published keys may ask; its earlier open request (as the new device) is cancelled in the same
   * transaction, so that each device has at most one, even when it asks twice at once (the store's
   * unique index decides: the last to commit stays). Throws `session_revoked` (revoked device),
   * `forbidden` (no published keys), `conflict` (a reused id, or requests of this device that kept
   * racing), `rate_limited` (MAX_OPEN_VERIFICATIONS open on the account).
   */
  async start(claims: AccessClaims, req: { id: string; commitment: string }): Promise<Verification> {
    const device = await this.deps.store.findDevice(claims.deviceId);
    if (!device || device.revokedAt) throw new ChatError('session_revoked', 'this device was revoked');
    if (!(await this.directoryDevice(claims))) throw new ChatError('forbidden', 'publish this device\'s keys before asking to be approved');
    if (await this.deps.store.findVerification(req.id)) throw new ChatError('conflict', 'that verification id is taken');
    // This device's open request does not count: creating the new one replaces it.
    const open = (await this.openOf(claims.userId)).filter((o) => o.newDevice !== claims.deviceId);
    if (open.length >= MAX_OPEN_VERIFICATIONS) {
      throw new ChatError('rate_limited', `${open.length} devices are already asking to be approved; approve or revoke them, or wait ${VERIFICATION_TTL_MS / 60_000} minutes`);
    }
    const record: VerificationRecord = {
      id: req.id,
      userId: claims.userId,
      newDevice: claims.deviceId,
      createdAt: this.now(),
      state: { step: 'requested', commitment: req.commitment, approverDevice: null, approverKey: null, newKey: null, newConfirmed: false, approverConfirmed: false, reason: null, secret: null },
    };
    await this.deps.store.createVerification(record, REPLACED_REASON);
    await this.tell(claims.userId);
    return toDto(record);
  }

  /**
   * The unexpired verifications of the caller's account, newest first: every open one (neither done
   * nor cancelled; at most MAX_OPEN_VERIFICATIONS plus the replacing one), so that no flood of closed
   * ones hides a request, and the newest RECENT_CLOSED closed ones.
   */
  async list(claims: AccessClaims): Promise<Verification[]> {
    const since = new Date(this.now().getTime() - VERIFICATION_TTL_MS);
    const open = await this.openOf(claims.userId);
    const closed = (await this.deps.store.listVerifications(claims.userId, since, RECENT_CLOSED)).filter((v) => v.state.step === 'done' || v.state.step === 'cancelled');
    return [...open, ...closed].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).map(toDto);
  }

  /** One verification of the caller's account; `not_found` otherwise or once expired. */
  async get(claims: AccessClaims, id: string): Promise<Verification> {
    return toDto(await this.find(claims, id));
  }

  /**
   * The next step of a verification (see VerificationStepRequest). `accept` by a device other than the
   * new one, while `requested`; `reveal` by the new device, while `accepted`; `confirm` by either of
   * the two, while `revealed`; `secret` by the approver, once, while `revealed` and confirmed on both
   * devices (the server keeps it opaque: it is sealed to the two devices' ephemeral keys); `cancel`
   * until it is done, by the new device (with one of NEW_DEVICE_CANCEL_REASONS) or as the approver
   * (APPROVER_CANCEL_REASONS) by the approver once one accepted, or by any approved device before.
   * An approver is a device whose keys the user's identity key signed (an approved device). Anything
   * else is `conflict` (out of order, or another write came first) or `forbidden` (the wrong device).
   */
  async step(claims: AccessClaims, id: string, req: VerificationStepRequest): Promise<Verification> {
    // Both devices confirm at about the same moment: a step that lost the race to another write is
    // checked again against the state that won (so two confirms both land, and a second accept is
    // still refused), a few times before it gives up with `conflict`.
    for (let attempt = 1; ; attempt++) {
      const done = await this.tryStep(claims, id, req);
      if (done) return done;
      if (attempt >= STEP_ATTEMPTS) throw new ChatError('conflict', 'the verification changed meanwhile; look again');
    }
  }

  /** One try of `step`: null when another write changed the verification between the read and the write. */
  private async tryStep(claims: AccessClaims, id: string, req: VerificationStepRequest): Promise<Verification | null> {
    const record = await this.find(claims, id);
    const s = record.state;
    const isNew = claims.deviceId === record.newDevice;
    let next: VerificationState;
    switch (req.action) {
      case 'accept':
        if (isNew) throw new ChatError('forbidden', 'a device cannot approve itself');
        if (!(await this.isApproved(claims))) throw new ChatError('forbidden', 'only an approved device (signed by your identity key) approves another');
        if (s.step !== 'requested') throw new ChatError('conflict', `the verification is ${s.step}, not waiting for an approver`);
        if ((await this.deps.store.findDevice(record.newDevice))?.revokedAt != null) throw new ChatError('conflict', 'the new device was revoked');
        next = { ...s, step: 'accepted', approverDevice: claims.deviceId, approverKey: req.key };
        break;
      case 'reveal':
        if (!isNew) throw new ChatError('forbidden', 'only the new device reveals its key');
        if (s.step !== 'accepted') throw new ChatError('conflict', `the verification is ${s.step}, not accepted`);
        next = { ...s, step: 'revealed', newKey: req.key };
        break;
      case 'confirm':
        if (s.step !== 'revealed') throw new ChatError('conflict', `the verification is ${s.step}; there is no code to confirm`);
        if (isNew) next = { ...s, newConfirmed: true };
        else if (claims.deviceId === s.approverDevice) next = { ...s, approverConfirmed: true };
        else throw new ChatError('forbidden', 'this device takes no part in that verification');
        break;
      case 'secret':
        if (claims.deviceId !== s.approverDevice) throw new ChatError('forbidden', 'only the approving device sends the new one a secret');
        if (s.step !== 'revealed' || !s.newConfirmed || !s.approverConfirmed) throw new ChatError('conflict', `the verification is ${s.step}, not confirmed on both devices`);
        if (s.secret) throw new ChatError('conflict', 'a secret was sent in this verification already');
        next = { ...s, secret: { name: req.name, iv: req.iv, ct: req.ct } };
        break;
      case 'cancel':
        if (s.step === 'done' || s.step === 'cancelled') throw new ChatError('conflict', `the verification is already ${s.step}`);
        if (isNew) {
          if (!(NEW_DEVICE_CANCEL_REASONS as readonly string[]).includes(req.reason)) throw new ChatError('forbidden', 'the new device cannot give that reason');
        } else {
          if (s.approverDevice !== null ? claims.deviceId !== s.approverDevice : !(await this.isApproved(claims))) {
            throw new ChatError('forbidden', 'only the new device, or the approved device approving it, cancels this verification');
          }
          if (!(APPROVER_CANCEL_REASONS as readonly string[]).includes(req.reason)) throw new ChatError('forbidden', 'the approving device cannot give that reason');
        }
        next = { ...s, step: 'cancelled', reason: req.reason, cancelledBy: claims.deviceId };
        break;
      default: {
        const unreachable: never = req;
        throw new ChatError('invalid_request', `unknown step ${JSON.stringify(unreachable)}`);
      }
    }
    if (!(await this.deps.store.advanceVerification(id, s, next))) return null;
    await this.tell(claims.userId);
    return toDto({ ...record, state: next });
  }

  /**
   * Cancels the open verifications in which a revoked device takes part (as the new device or the
   * approver; every open one of the account when `deviceIds` is null, after signing out everywhere),
   * so that no device approves a revoked one and the other side stops waiting. Tells the account's
   * devices (`devices` frame) when any was cancelled.
   */
  async devicesRevoked(userId: string, deviceIds: readonly string[] | null): Promise<void> {
    let cancelled = false;
    for (const v of await this.openOf(userId)) {
      const newRevoked = deviceIds === null || deviceIds.includes(v.newDevice);
      const approverRevoked = v.state.approverDevice !== null && deviceIds?.includes(v.state.approverDevice) === true;
      if (!newRevoked && !approverRevoked) continue;
      const reason = newRevoked ? 'the new device was revoked' : 'the approving device was revoked';
      // Another write may come first (a step, or this for another device): then look no further at it.
      if (await this.deps.store.advanceVerification(v.id, v.state, { ...v.state, step: 'cancelled', reason, cancelledBy: null })) cancelled = true;
    }
    if (cancelled) await this.tell(userId);
  }

  /** Marks the revealed verifications of a device done, once an approver stored its signature. */
  async deviceSigned(userId: string, deviceId: string): Promise<void> {
    for (const v of await this.openOf(userId)) {
      if (v.newDevice === deviceId && v.state.step === 'revealed') await this.deps.store.advanceVerification(v.id, v.state, { ...v.state, step: 'done' });
    }
  }

  /** Every open, unexpired verification of the user (no limit: see MAX_OPEN_VERIFICATIONS). */
  private openOf(userId: string): Promise<VerificationRecord[]> {
    return this.deps.store.listOpenVerifications(userId, new Date(this.now().getTime() - VERIFICATION_TTL_MS));
  }

  /** The caller's published device, or undefined when it published no keys. */
  private async directoryDevice(claims: AccessClaims) {
    return (await this.deps.store.listDevicesOfUsers([claims.userId])).find((d) => d.deviceId === claims.deviceId);
  }

  /**
   * Whether the caller is an approved device: published, and signed by the user's identity key. The
   * signature is checked again here, as key-service's `actsForAccount` does.
   */
  private async isApproved(claims: AccessClaims): Promise<boolean> {
    const d = await this.directoryDevice(claims);
    return d?.crossSignature != null && d.identityKey != null && (await verifyDeviceSignature(d.identityKey, d.bundle, d.crossSignature));
  }

  private async find(claims: AccessClaims, id: string): Promise<VerificationRecord> {
    const record = await this.deps.store.findVerification(id);
    if (!record || record.userId !== claims.userId || this.now().getTime() - record.createdAt.getTime() > VERIFICATION_TTL_MS) {
      throw new ChatError('not_found', 'no such verification (it may have expired)');
    }
    return record;
  }

  private tell(userId: string): Promise<void> {
    return publishControl(this.deps.bus, { t: 'devices', userIds: [userId] });
  }
}
