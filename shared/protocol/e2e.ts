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

/** A device and its bundle, as the directory lists them. */
export const DirectoryDevice = z.object({ deviceId: z.uuid(), name: z.string(), bundle: DeviceBundle, createdAt: z.iso.datetime() });
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
