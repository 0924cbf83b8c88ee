import { fromBase64Url, toBase64Url } from './bytes.js';
import { CryptoError } from './errors.js';
import type { DeviceBundle } from './identity.js';
import { framed } from './identity.js';
import { exportPublicKey, generateSigningKeyPair, importSigningPublicKey, sign, verify } from './primitives.js';

/**
 * A user's identity key (cross-signing): one ECDSA P-256 key per user, above the user's devices. It
 * lives only on the user's devices (and, sealed under the recovery key, in the key backup); the
 * server stores its public half and the device signatures it made, and cannot forge either.
 *
 * How the key backup uses this module:
 * - `exportUserIdentity(identity)` gives the private key as a JWK to write into the backup. It works
 *   only on an extractable key: a browser creates the identity with `generateUserIdentity(true)`,
 *   writes it into the backup, then keeps `await importUserIdentity(jwk, false)` instead.
 * - `importUserIdentity(jwk, extractable)` restores it on a device that read the backup; the device
 *   then calls `E2ESession.adoptIdentity(identity)`, which checks that the key is the one the account
 *   publishes and signs the device itself (approval with the recovery key).
 */
export interface UserIdentity {
  /** The public key, a raw uncompressed P-256 point, base64url (what the server publishes). */
  readonly publicKey: string;
  readonly pair: CryptoKeyPair;
}

/** The device keys a cross-signature covers (the prekey, replaced weekly, is covered by the bundle's own signature). */
export type CrossSignedKeys = Pick<DeviceBundle, 'userId' | 'deviceId' | 'signingKey' | 'dhKey'>;

function crossSigningBytes(identityKey: string, device: CrossSignedKeys): Uint8Array {
  return framed('chat-cross-signing-v1', device.userId, identityKey, device.deviceId, device.signingKey, device.dhKey);
}

/** A new identity key. `extractable` must be true if it is to be written into a backup (then re-imported non-extractable where it matters). */
export async function generateUserIdentity(extractable: boolean): Promise<UserIdentity> {
  const pair = await generateSigningKeyPair(extractable);
  return { publicKey: toBase64Url(await exportPublicKey(pair.publicKey)), pair };
}

/** The private identity key as a JWK, for the key backup or a keychain. Throws `invalid_key` for a non-extractable key. */
export async function exportUserIdentity(identity: UserIdentity): Promise<JsonWebKey> {
  try {
    return await crypto.subtle.exportKey('jwk', identity.pair.privateKey);
  } catch (error) {
    throw new CryptoError('invalid_key', 'this identity key cannot be exported (it is non-extractable)', { cause: error });
  }
}

/**
 * An identity key from its private JWK (from `exportUserIdentity`); the public half is rebuilt from
 * the JWK's x and y. Throws `invalid_key` when the JWK is not a P-256 private key.
 */
export async function importUserIdentity(jwk: JsonWebKey, extractable: boolean): Promise<UserIdentity> {
  try {
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') throw new Error('not a P-256 private key');
    const algorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const;
    const privateKey = await crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, d: jwk.d }, algorithm, extractable, ['sign']);
    const publicKey = await crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, algorithm, true, ['verify']);
    return { publicKey: toBase64Url(await exportPublicKey(publicKey)), pair: { privateKey, publicKey } };
  } catch (error) {
    throw new CryptoError('invalid_key', 'the identity key does not import', { cause: error });
  }
}

/**
 * The cross-signature of a device: ECDSA by the identity key over the user id, the identity key, the
 * device id and the device's signing and ECDH keys (length-framed, label `chat-cross-signing-v1`),
 * base64url. The bundle's own signature then vouches for its prekey.
 */
export async function signDevice(identity: UserIdentity, device: CrossSignedKeys): Promise<string> {
  return toBase64Url(await sign(identity.pair.privateKey, crossSigningBytes(identity.publicKey, device)));
}

/**
 * Whether `signature` is `identityKey`'s cross-signature of the device. False for anything malformed
 * (a key that is not a P-256 point, a signature that is not base64url); never throws.
 */
export async function verifyDeviceSignature(identityKey: string, device: CrossSignedKeys, signature: string): Promise<boolean> {
  try {
    const key = await importSigningPublicKey(fromBase64Url(identityKey));
    return await verify(key, fromBase64Url(signature), crossSigningBytes(identityKey, device));
  } catch {
    return false;
  }
}
