import { fromBase64Url, toBase64Url } from './bytes.js';
import type { DeviceKeys } from './identity.js';
import { framed } from './identity.js';
import { importSigningPublicKey, sign, verify } from './primitives.js';

/**
 * Proof that a sign-in comes from a device that already exists: the device's own signing key (the
 * one its published bundle names) signs a one-time challenge the server issued, bound to the user
 * and device ids. A password alone cannot make it, so someone who has only the password can add a
 * new, unapproved device but never take over an approved one.
 */
export interface DeviceProofFields {
  readonly userId: string;
  readonly deviceId: string;
  /** The server's one-time challenge (base64url). */
  readonly challenge: string;
}

function proofBytes(p: DeviceProofFields): Uint8Array {
  return framed('chat-device-resume-v1', p.userId, p.deviceId, p.challenge);
}

/**
 * Signs the resume proof with the device's signing key (ECDSA P-256 over the length-framed label
 * `chat-device-resume-v1`, user id, device id and challenge); base64url.
 */
export async function signDeviceProof(keys: DeviceKeys, challenge: string): Promise<string> {
  return toBase64Url(await sign(keys.signing.privateKey, proofBytes({ userId: keys.userId, deviceId: keys.deviceId, challenge })));
}

/**
 * Whether `signature` is the resume proof of `fields` under `signingKey` (a bundle's base64url raw
 * P-256 point). False for anything malformed; never throws.
 */
export async function verifyDeviceProof(signingKey: string, fields: DeviceProofFields, signature: string): Promise<boolean> {
  try {
    const key = await importSigningPublicKey(fromBase64Url(signingKey));
    return await verify(key, fromBase64Url(signature), proofBytes(fields));
  } catch {
    return false;
  }
}
