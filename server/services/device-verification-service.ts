import { ChatError } from '../../shared/protocol/index.js';
import type { Verification, VerificationState, VerificationStepRequest } from '../../shared/protocol/index.js';
import type { Bus } from '../bus/bus.js';
import { publishControl } from '../bus/messages.js';
import type { Store, VerificationRecord } from '../store/store.js';
import type { AccessClaims } from './tokens.js';

/** How many times a step is tried against a verification that other writes keep changing. */
const STEP_ATTEMPTS = 3;

/** How long (ms) a device verification stays open after the new device asked. */
export const VERIFICATION_TTL_MS = 10 * 60 * 1000;

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

  /** The calling (new) device asks to be approved, committing to its ephemeral key. `conflict` for a reused id. */
  async start(claims: AccessClaims, req: { id: string; commitment: string }): Promise<Verification> {
    const device = await this.deps.store.findDevice(claims.deviceId);
    if (!device || device.revokedAt) throw new ChatError('session_revoked', 'this device was revoked');
    if (await this.deps.store.findVerification(req.id)) throw new ChatError('conflict', 'that verification id is taken');
    const record: VerificationRecord = {
      id: req.id,
      userId: claims.userId,
      newDevice: claims.deviceId,
      createdAt: this.now(),
      state: { step: 'requested', commitment: req.commitment, approverDevice: null, approverKey: null, newKey: null, newConfirmed: false, approverConfirmed: false, reason: null, secret: null },
    };
    await this.deps.store.createVerification(record);
    await this.tell(claims.userId);
    return toDto(record);
  }

  /** The open (not expired) verifications of the caller's account, newest first. */
  async list(claims: AccessClaims): Promise<Verification[]> {
    const since = new Date(this.now().getTime() - VERIFICATION_TTL_MS);
    return (await this.deps.store.listVerifications(claims.userId, since, 20)).map(toDto);
  }

  /** One verification of the caller's account; `not_found` otherwise or once expired. */
  async get(claims: AccessClaims, id: string): Promise<Verification> {
    return toDto(await this.find(claims, id));
  }

  /**
   * The next step of a verification (see VerificationStepRequest). `accept` by a device other than the
   * new one, while `requested`; `reveal` by the new device, while `accepted`; `confirm` by either of
   * the two, while `revealed`; `secret` by the approver, once, while `revealed` and confirmed on both
   * devices (the server keeps it opaque: it is sealed to the two devices' ephemeral keys); `cancel` by any device of the account until it is done. Anything else
   * is `conflict` (out of order, or another write came first) or `forbidden` (the wrong device).
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
        next = { ...s, step: 'cancelled', reason: req.reason };
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
    const since = new Date(this.now().getTime() - VERIFICATION_TTL_MS);
    let cancelled = false;
    for (const v of await this.deps.store.listVerifications(userId, since, 20)) {
      if (v.state.step === 'done' || v.state.step === 'cancelled') continue;
      const newRevoked = deviceIds === null || deviceIds.includes(v.newDevice);
      const approverRevoked = v.state.approverDevice !== null && deviceIds?.includes(v.state.approverDevice) === true;
      if (!newRevoked && !approverRevoked) continue;
      const reason = newRevoked ? 'the new device was revoked' : 'the approving device was revoked';
      // Another write may come first (a step, or this for another device): then look no further at it.
      if (await this.deps.store.advanceVerification(v.id, v.state, { ...v.state, step: 'cancelled', reason })) cancelled = true;
    }
    if (cancelled) await this.tell(userId);
  }

  /** Marks the revealed verifications of a device done, once an approver stored its signature. */
  async deviceSigned(userId: string, deviceId: string): Promise<void> {
    const since = new Date(this.now().getTime() - VERIFICATION_TTL_MS);
    for (const v of await this.deps.store.listVerifications(userId, since, 20)) {
      if (v.newDevice === deviceId && v.state.step === 'revealed') await this.deps.store.advanceVerification(v.id, v.state, { ...v.state, step: 'done' });
    }
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
