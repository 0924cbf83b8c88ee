import { randomUUID } from 'node:crypto';
import { verifyBundle, verifyDeviceSignature } from '../../shared/crypto/index.js';
import { ChatError } from '../../shared/protocol/index.js';
import type { DeviceActivity, DeviceBundle, DirectoryDevice, QueuedReshareRequest, QueuedShare, ReshareRequest, SealedShare } from '../../shared/protocol/index.js';
import type { Bus } from '../bus/bus.js';
import { publishControl } from '../bus/messages.js';
import type { DirectoryDeviceRecord, Store } from '../store/store.js';
import type { DeviceVerificationService } from './device-verification-service.js';
import type { RoomService } from './room-service.js';
import { UUID } from './room-service.js';
import type { AccessClaims } from './tokens.js';

const toDto = (d: DirectoryDeviceRecord): DirectoryDevice => ({
  deviceId: d.deviceId,
  name: d.name,
  bundle: d.bundle,
  createdAt: d.createdAt.toISOString(),
  identityKey: d.identityKey,
  crossSignature: d.crossSignature,
});

export interface KeyServiceDeps {
  readonly store: Store;
  readonly bus: Bus;
  readonly rooms: RoomService;
  /** Told when a device is signed, so its open verification reads as done. */
  readonly verifications?: DeviceVerificationService;
}

/**
 * The key directory (signed device bundles) and the per-device queues of sealed chain shares. The
 * server cannot read either; it checks shapes, self-signatures and membership, and relays.
 */
export class KeyService {
  constructor(private readonly deps: KeyServiceDeps) {}

  /** Publishes the caller's own device bundle, which must be self-signed and name the caller's device. */
  async publish(claims: AccessClaims, bundle: DeviceBundle): Promise<void> {
    if (bundle.userId !== claims.userId || bundle.deviceId !== claims.deviceId) {
      throw new ChatError('invalid_request', 'a device publishes only its own bundle');
    }
    try {
      await verifyBundle(bundle);
    } catch (error) {
      throw new ChatError('invalid_request', `the bundle does not verify: ${(error as Error).message}`, { cause: error });
    }
    await this.deps.store.setDeviceBundle(claims.deviceId, bundle);
    // A new device appears in the directory now: the account's other devices look again.
    await publishControl(this.deps.bus, { t: 'devices', userIds: [claims.userId] });
  }

  /** The caller's own devices with where and when each signed in and was last seen (only the account sees this). */
  async accountDevices(claims: AccessClaims): Promise<DeviceActivity[]> {
    return (await this.deps.store.listAccountDevices(claims.userId)).map((d) => ({
      deviceId: d.deviceId,
      name: d.name,
      createdAt: d.createdAt.toISOString(),
      addedFrom: d.addedFrom,
      signedInAt: d.signedInAt?.toISOString() ?? null,
      signedInFrom: d.signedInFrom,
      lastSeenAt: d.lastSeenAt?.toISOString() ?? null,
    }));
  }

  /**
   * Sets the caller's user identity key, with the calling device's cross-signature by it (which must
   * verify, so the caller holds the key). Once per user: a second, different key is refused
   * (`conflict`), so a later sign-in with the password cannot replace the identity — except with
   * `reset` when no live device of the account is signed by the current key any more (every approved
   * device was revoked): then the account starts a new identity, which its contacts are told about.
   */
  async publishIdentity(claims: AccessClaims, identityKey: string, signature: string, opts: { reset?: boolean } = {}): Promise<void> {
    const device = (await this.deps.store.listDevicesOfUsers([claims.userId])).find((d) => d.deviceId === claims.deviceId);
    if (!device) throw new ChatError('invalid_request', 'publish this device\'s key bundle first');
    if (!(await verifyDeviceSignature(identityKey, device.bundle, signature))) {
      throw new ChatError('invalid_request', 'the signature of this device does not verify under that identity key');
    }
    if (!(await this.deps.store.setUserIdentity(claims.userId, identityKey, claims.deviceId, signature, opts.reset === true && !(await this.anySigned(claims.userId))))) {
      throw new ChatError('conflict', 'this account already has another identity key; approve this device from another of your devices');
    }
    await publishControl(this.deps.bus, { t: 'devices', userIds: [claims.userId] });
  }

  /**
   * Stores a cross-signature of one of the caller's devices, checked against the user's identity
   * key and the device's published keys (`invalid_request` when it does not verify, `not_found` for
   * a device that is not the caller's). The server checks only so as to refuse garbage early; every
   * client checks again.
   */
  async signDevice(claims: AccessClaims, deviceId: string, signature: string): Promise<void> {
    const identityKey = await this.deps.store.getUserIdentity(claims.userId);
    if (!identityKey) throw new ChatError('invalid_request', 'this account has no identity key yet');
    const device = (await this.deps.store.listDevicesOfUsers([claims.userId])).find((d) => d.deviceId === deviceId);
    if (!device) throw new ChatError('not_found', `you have no device ${deviceId} with published keys`);
    if (!(await verifyDeviceSignature(identityKey, device.bundle, signature))) {
      throw new ChatError('invalid_request', 'the signature does not verify under this account\'s identity key');
    }
    await this.deps.store.setDeviceSignature(deviceId, signature);
    await this.deps.verifications?.deviceSigned(claims.userId, deviceId);
    await publishControl(this.deps.bus, { t: 'devices', userIds: [claims.userId] });
  }

  /** Whether any live device of the user carries a valid signature by the user's identity key. */
  private async anySigned(userId: string): Promise<boolean> {
    const identityKey = await this.deps.store.getUserIdentity(userId);
    if (!identityKey) return false;
    for (const d of await this.deps.store.listDevicesOfUsers([userId])) {
      if (d.crossSignature && (await verifyDeviceSignature(identityKey, d.bundle, d.crossSignature))) return true;
    }
    return false;
  }

  /**
   * Whether the caller's device may act for the account's devices (revoke others): it is signed by
   * the account's identity key, or the account has none yet (before the upgrade).
   */
  private async actsForAccount(claims: AccessClaims): Promise<boolean> {
    const identityKey = await this.deps.store.getUserIdentity(claims.userId);
    if (!identityKey) return true;
    const me = (await this.deps.store.listDevicesOfUsers([claims.userId])).find((d) => d.deviceId === claims.deviceId);
    return me?.crossSignature != null && (await verifyDeviceSignature(identityKey, me.bundle, me.crossSignature));
  }

  /**
   * Revokes one of the caller's devices: its sessions end, its sockets close, and it leaves the
   * directory, so senders start new chains without it; its open verifications are cancelled. Once the account has an identity key, only a
   * device it signed may revoke another (`forbidden`). Idempotent: revoking an already revoked device
   * of the caller's succeeds and closes its sockets again (on any instance that missed it). Throws
   * `not_found` for a device that is not the caller's.
   */
  async revokeDevice(claims: AccessClaims, deviceId: string): Promise<void> {
    // An unapproved device (perhaps someone who has the password) may sign itself out, not the others.
    if (deviceId !== claims.deviceId && !(await this.actsForAccount(claims))) {
      throw new ChatError('forbidden', 'only an approved device can revoke other devices; approve this one first (chat devices)');
    }
    if (!(await this.deps.store.revokeDevice(claims.userId, deviceId, new Date()))) {
      const device = await this.deps.store.findDevice(deviceId);
      if (device?.userId !== claims.userId || device.revokedAt === null) throw new ChatError('not_found', `you have no device ${deviceId}`);
    }
    await this.deps.verifications?.devicesRevoked(claims.userId, [deviceId]);
    await publishControl(this.deps.bus, { t: 'revoke', deviceId });
    await publishControl(this.deps.bus, { t: 'devices', userIds: [claims.userId] });
  }

  /**
   * Signs the caller out everywhere: revokes every device of theirs, those that never published keys
   * included, so every session ends and every socket closes (4001) on every instance. Like revoking
   * another device, once the account has an identity key only a device it signed may (`forbidden`).
   */
  async revokeAllDevices(claims: AccessClaims): Promise<void> {
    if (!(await this.actsForAccount(claims))) {
      throw new ChatError('forbidden', 'only an approved device can sign out every device; approve this one first (chat devices)');
    }
    const revoked = await this.deps.store.revokeAllDevices(claims.userId, new Date());
    await this.deps.verifications?.devicesRevoked(claims.userId, null);
    for (const deviceId of revoked) {
      await publishControl(this.deps.bus, { t: 'revoke', deviceId });
    }
    await publishControl(this.deps.bus, { t: 'devices', userIds: [claims.userId] });
  }

  /** A user's published devices, by username or id. */
  async devicesOfUser(ref: string): Promise<DirectoryDevice[]> {
    const user = UUID.test(ref) ? await this.deps.store.findUserById(ref) : await this.deps.store.findUserByUsername(ref);
    if (!user) throw new ChatError('not_found', `there is no user "${ref}"`);
    return (await this.deps.store.listDevicesOfUsers([user.id])).map(toDto);
  }

  /** Every device of every member of a room the caller is in: whom a sender shares its chain with. */
  async devicesOfRoom(userId: string, roomRef: string): Promise<DirectoryDevice[]> {
    const room = await this.deps.rooms.resolve(roomRef);
    await this.deps.rooms.requireMember(room, userId, roomRef);
    const members = await this.deps.store.listMembers(room.id);
    return (await this.deps.store.listDevicesOfUsers(members.map((m) => m.userId))).map(toDto);
  }

  /**
   * Queues shares from the caller's device. Sender and recipients must be members of the room each
   * share names, and each recipient device must belong to its user: a removed member gets nothing new.
   */
  async post(claims: AccessClaims, shares: readonly SealedShare[]): Promise<void> {
    const roomIds = [...new Set(shares.map((s) => s.roomId))];
    const membersByRoom = new Map<string, Set<string>>();
    for (const roomId of roomIds) {
      const room = await this.deps.rooms.resolve(roomId);
      await this.deps.rooms.requireMember(room, claims.userId, roomId);
      membersByRoom.set(roomId, new Set((await this.deps.store.listMembers(roomId)).map((m) => m.userId)));
    }
    const recipients = [...new Set(shares.map((s) => s.recipientUser))];
    const devices = new Map((await this.deps.store.listDevicesOfUsers(recipients)).map((d) => [d.deviceId, d.userId]));
    for (const s of shares) {
      if (s.senderUser !== claims.userId || s.senderDevice !== claims.deviceId) throw new ChatError('invalid_request', 'shares must come from the calling device');
      if (!membersByRoom.get(s.roomId)?.has(s.recipientUser)) throw new ChatError('forbidden', `${s.recipientUser} is not a member of the room`);
      if (devices.get(s.recipientDevice) !== s.recipientUser) throw new ChatError('invalid_request', `device ${s.recipientDevice} is not a device of ${s.recipientUser}`);
    }
    await this.deps.store.enqueueShares(
      shares.map((share) => ({ id: randomUUID(), recipientDevice: share.recipientDevice, roomId: share.roomId, senderDevice: share.senderDevice, share })),
    );
    await publishControl(this.deps.bus, { t: 'shares', deviceIds: [...new Set(shares.map((s) => s.recipientDevice))] });
  }

  /**
   * Asks the sender device of a chain to share it again with the caller's device. The caller must be
   * a member, and the sender device must belong to a member of the room.
   */
  async requestReshare(claims: AccessClaims, req: ReshareRequest): Promise<void> {
    const room = await this.deps.rooms.resolve(req.roomId);
    await this.deps.rooms.requireMember(room, claims.userId, req.roomId);
    const sender = await this.deps.store.findDevice(req.senderDevice);
    if (!sender || !(await this.deps.store.getMembership(room.id, sender.userId))) {
      throw new ChatError('not_found', 'that device does not send in this room');
    }
    await this.deps.store.requestReshare({ id: randomUUID(), roomId: room.id, requesterUser: claims.userId, requesterDevice: claims.deviceId, senderDevice: sender.id, keyId: req.keyId });
    await publishControl(this.deps.bus, { t: 'shares', deviceIds: [sender.id] });
  }

  async reshareRequests(claims: AccessClaims): Promise<QueuedReshareRequest[]> {
    return (await this.deps.store.listReshareRequests(claims.deviceId, 500)).map((r) => ({
      id: r.id,
      roomId: r.roomId,
      requesterUser: r.requesterUser,
      requesterDevice: r.requesterDevice,
      keyId: r.keyId,
      createdAt: r.createdAt.toISOString(),
    }));
  }

  async ackReshareRequests(claims: AccessClaims, ids: readonly string[]): Promise<void> {
    await this.deps.store.ackReshareRequests(claims.deviceId, ids);
  }

  async pending(claims: AccessClaims): Promise<QueuedShare[]> {
    return (await this.deps.store.listShares(claims.deviceId, 500)).map((r) => ({ id: r.id, share: r.share, createdAt: r.createdAt.toISOString() }));
  }

  async ack(claims: AccessClaims, ids: readonly string[]): Promise<void> {
    await this.deps.store.ackShares(claims.deviceId, ids);
  }
}
