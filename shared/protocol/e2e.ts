import { z } from 'zod';

/** base64url text, bounded. */
const B64 = (max: number) => z.string().max(max).regex(/^[A-Za-z0-9_-]*$/, 'must be base64url');
/** A raw uncompressed P-256 point, base64url: 65 bytes → 87 characters. */
const PublicKey = z.string().length(87).regex(/^[A-Za-z0-9_-]*$/, 'must be base64url');

/** The largest ciphertext an envelope may carry (base64url characters). */
export const MAX_ENVELOPE_CT = 48 * 1024;

/**
 * An end-to-end encrypted message as private rooms store and relay it (shared/crypto/envelope.ts
 * makes and opens them). The server checks only the shape and that the sender fields are the caller.
 */
export const Envelope = z.object({
  v: z.literal(1),
  suite: z.literal('p256-hmac-aes256gcm-1'),
  roomId: z.uuid(),
  senderUser: z.uuid(),
  senderDevice: z.uuid(),
  keyId: B64(64).min(16),
  counter: z.number().int().nonnegative(),
  clientMsgId: z.uuid(),
  iv: B64(32).min(16),
  ct: B64(MAX_ENVELOPE_CT).min(1),
  sig: B64(128).min(80),
});
export type Envelope = z.infer<typeof Envelope>;

/** A device's signed public keys, as published in the key directory. */
export const DeviceBundle = z.object({
  userId: z.uuid(),
  deviceId: z.uuid(),
  signingKey: PublicKey,
  dhKey: PublicKey,
  prekey: z.object({ id: z.number().int().positive(), key: PublicKey, createdAt: z.number().int().nonnegative() }),
  signature: B64(128).min(80),
});
export type DeviceBundle = z.infer<typeof DeviceBundle>;

/** A sender's chain share sealed for one device (shared/crypto/key-distribution.ts). */
export const SealedShare = z.object({
  v: z.literal(1),
  roomId: z.uuid(),
  senderUser: z.uuid(),
  senderDevice: z.uuid(),
  recipientUser: z.uuid(),
  recipientDevice: z.uuid(),
  prekeyId: z.number().int().positive(),
  ephemeralKey: PublicKey,
  iv: B64(32).min(16),
  ct: B64(4096).min(1),
  sig: B64(128).min(80),
});
export type SealedShare = z.infer<typeof SealedShare>;

/** A share waiting in a device's queue. */
export const QueuedShare = z.object({ id: z.uuid(), share: SealedShare, createdAt: z.iso.datetime() });
export type QueuedShare = z.infer<typeof QueuedShare>;

export const PostSharesRequest = z.object({ shares: z.array(SealedShare).min(1).max(500) });
export const AckSharesRequest = z.object({ ids: z.array(z.uuid()).min(1).max(500) });
export const ShareList = z.object({ shares: z.array(QueuedShare) });

/**
 * A device and its bundle, as the directory lists them, with its user's identity key and the device's
 * cross-signature by it (both absent for a user who has no identity key yet, the signature absent for
 * a device not approved yet). Clients check the signature themselves: the server cannot forge one.
 */
export const DirectoryDevice = z.object({
  deviceId: z.uuid(),
  name: z.string(),
  bundle: DeviceBundle,
  createdAt: z.iso.datetime(),
  identityKey: PublicKey.nullable().optional(),
  crossSignature: B64(128).min(80).nullable().optional(),
});
export type DirectoryDevice = z.infer<typeof DirectoryDevice>;
export const DeviceList = z.object({ devices: z.array(DirectoryDevice) });

/** A device asking the sender device of a chain to share it again. */
export const ReshareRequest = z.object({ roomId: z.uuid(), senderDevice: z.uuid(), keyId: B64(64).min(16) });
export type ReshareRequest = z.infer<typeof ReshareRequest>;
export const QueuedReshareRequest = z.object({
  id: z.uuid(),
  roomId: z.uuid(),
  requesterUser: z.uuid(),
  requesterDevice: z.uuid(),
  keyId: z.string(),
  createdAt: z.iso.datetime(),
});
export type QueuedReshareRequest = z.infer<typeof QueuedReshareRequest>;
export const ReshareRequestList = z.object({ requests: z.array(QueuedReshareRequest) });

/**
 * `PUT /keys/identity`: the user's identity key, with the calling device's cross-signature by it. Set
 * once per user; `reset` replaces it only when no live device of the account is signed by the old one.
 */
export const PublishIdentityRequest = z.object({ identityKey: PublicKey, signature: B64(128).min(80), reset: z.boolean().optional() });
export type PublishIdentityRequest = z.infer<typeof PublishIdentityRequest>;

/** `PUT /keys/devices/:id/signature`: a device's cross-signature by the user's identity key. */
export const DeviceSignatureRequest = z.object({ signature: B64(128).min(80) });
export type DeviceSignatureRequest = z.infer<typeof DeviceSignatureRequest>;

/** The secrets an approving device may send the new one over a verification: the key backup's key. */
export const VerificationSecretName = z.enum(['backup_key']);
export type VerificationSecretName = z.infer<typeof VerificationSecretName>;

/**
 * A device verification (approving a new device with a short authentication string, shared/crypto/sas.ts)
 * as the server relays it. Steps: `requested` (the new device's commitment), `accepted` (an approver
 * device's ephemeral key), `revealed` (the new device's ephemeral key), then `done` once the approver
 * signed the new device, or `cancelled` by either side. `newConfirmed`/`approverConfirmed`: the user
 * typed the matching code on that device. `secret`: what the approver sent the new device once both
 * confirmed (the key backup's key, sealed to the verification: shared/crypto/sas.ts `sealSasSecret`),
 * opaque to the server; absent or null when none was sent.
 */
export const VerificationState = z.object({
  step: z.enum(['requested', 'accepted', 'revealed', 'done', 'cancelled']),
  commitment: B64(64).min(40),
  approverDevice: z.uuid().nullable(),
  approverKey: PublicKey.nullable(),
  newKey: PublicKey.nullable(),
  newConfirmed: z.boolean(),
  approverConfirmed: z.boolean(),
  /**
   * Why it was cancelled: one of VerificationCancelReason when a device cancelled (the server takes
   * only its own role's reasons from it), or the server's own reason (a device was revoked, a newer
   * request of the same device replaced it).
   */
  reason: z.string().max(200).nullable(),
  /** The device that cancelled it; null or absent when the server did. */
  cancelledBy: z.uuid().nullable().optional(),
  secret: z.object({ name: VerificationSecretName, iv: B64(16).min(16), ct: B64(2048).min(22) }).nullable().optional(),
});
export type VerificationState = z.infer<typeof VerificationState>;

/** A verification as clients see it. */
export const Verification = z.object({ id: z.uuid(), userId: z.uuid(), newDevice: z.uuid(), createdAt: z.iso.datetime(), state: VerificationState });
export type Verification = z.infer<typeof Verification>;
export const VerificationList = z.object({ verifications: z.array(Verification) });

/** The reasons the new device may give when it cancels its own verification (shown as they are). */
export const NEW_DEVICE_CANCEL_REASONS = [
  'the new device stopped waiting',
  'the approving device or the identity key is not published',
  'the codes did not match on the new device',
] as const;
/** The reasons an approved device may give when it cancels (declines) a verification as the approver. */
export const APPROVER_CANCEL_REASONS = [
  'the commitment did not match',
  'the new device has no published keys',
  'the codes did not match on the approving device',
  'the new device was revoked',
  'declined on the approving device',
] as const;
/** A cancel's reason: a fixed set, never free text, so a device cannot make the other show any claim. */
export const VerificationCancelReason = z.enum([...NEW_DEVICE_CANCEL_REASONS, ...APPROVER_CANCEL_REASONS]);
export type VerificationCancelReason = z.infer<typeof VerificationCancelReason>;

/** `POST /keys/verifications`: a new device asks to be approved, committing to its ephemeral key. */
export const StartVerificationRequest = z.object({ id: z.uuid(), commitment: B64(64).min(40) });
/**
 * `POST /keys/verifications/:id`: the next step. `accept` (an approver's ephemeral key), `reveal` (the
 * new device's), `confirm` (the user typed the matching code here), `secret` (the approver's sealed
 * secret for the new device, once both confirmed; once per verification), `cancel` (with one of
 * VerificationCancelReason).
 */
export const VerificationStepRequest = z.discriminatedUnion('action', [
  z.object({ action: z.literal('accept'), key: PublicKey }),
  z.object({ action: z.literal('reveal'), key: PublicKey }),
  z.object({ action: z.literal('confirm') }),
  z.object({ action: z.literal('secret'), name: VerificationSecretName, iv: B64(16).min(16), ct: B64(2048).min(22) }),
  z.object({ action: z.literal('cancel'), reason: VerificationCancelReason }),
]);
export type VerificationStepRequest = z.infer<typeof VerificationStepRequest>;
