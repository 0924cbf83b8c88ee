import { equalBytes, fromBase64Url, fromUtf8, randomBytes, toBase64Url, utf8 } from './bytes.js';
import { CryptoError } from './errors.js';
import { framed } from './identity.js';
import { aesGcmDecrypt, aesGcmEncrypt, ecdh, exportPublicKey, generateEcdhKeyPair, hkdf, IV_BYTES, importEcdhPublicKey } from './primitives.js';

/**
 * Short authentication strings (SAS) for approving a new device, after Matrix's SAS verification
 * (m.sas.v1), simpler and with the keys in the string itself:
 *
 * 1. The new device makes an ephemeral P-256 ECDH key and publishes only a commitment to it,
 *    `SHA-256(framed("chat-sas-commit-v1", verification id, ephemeral key))`.
 * 2. An existing device answers with its own ephemeral key.
 * 3. The new device reveals its ephemeral key; the existing device checks it against the commitment.
 *    Having committed first, the new device cannot choose its key after seeing the other one, so a
 *    man in the middle gets one guess at a matching string (1 in 2^39).
 * 4. Both derive the string with HKDF-SHA-256 from the ECDH secret, with everything either side
 *    relies on in `info`: the user, the identity key, both devices' ids and signing and ECDH keys,
 *    and both ephemeral keys. A server that swapped any of them makes the strings differ.
 *
 * The string is three numbers of four digits, 1000–9191 (13 bits each, as Matrix's decimal SAS).
 */
export interface SasContext {
  readonly verificationId: string;
  readonly userId: string;
  /** The user's identity key (base64url) as this side knows it. */
  readonly identityKey: string;
  readonly newDevice: { readonly deviceId: string; readonly signingKey: string; readonly dhKey: string };
  readonly approverDevice: { readonly deviceId: string; readonly signingKey: string; readonly dhKey: string };
}

/** One side's ephemeral key pair, with its public half (base64url). */
export interface SasKey {
  readonly pair: CryptoKeyPair;
  readonly publicKey: string;
}

/** A new ephemeral key for one verification. Never reuse one. */
export async function newSasKey(): Promise<SasKey> {
  const pair = await generateEcdhKeyPair(false);
  return { pair, publicKey: toBase64Url(await exportPublicKey(pair.publicKey)) };
}

/** The commitment (base64url SHA-256) the new device publishes before revealing its ephemeral key. */
export async function sasCommitment(verificationId: string, publicKey: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new Uint8Array(framed('chat-sas-commit-v1', verificationId, publicKey)));
  return toBase64Url(new Uint8Array(digest));
}

/** Throws CryptoError('bad_signature') when the revealed key does not match the commitment. */
export async function checkSasCommitment(verificationId: string, publicKey: string, commitment: string): Promise<void> {
  let expected: Uint8Array;
  try {
    expected = fromBase64Url(commitment);
  } catch (error) {
    throw new CryptoError('bad_signature', 'the verification commitment is not well formed', { cause: error });
  }
  if (!equalBytes(fromBase64Url(await sasCommitment(verificationId, publicKey)), expected)) {
    throw new CryptoError('bad_signature', 'the new device revealed a key that does not match its commitment');
  }
}

/**
 * The short string both devices show, as `"1234 5678 9012"`. `mine` is this side's ephemeral key,
 * `theirPublicKey` the other's (validated as a P-256 point; `invalid_key` otherwise), and `newKey` /
 * `approverKey` the two public ephemeral keys in their roles.
 */
export async function sasCode(ctx: SasContext, mine: SasKey, theirPublicKey: string, roles: { newKey: string; approverKey: string }): Promise<string> {
  return decimalSas(await sasDerive('chat-sas-v1', ctx, mine, theirPublicKey, roles, 5));
}

/** HKDF-SHA-256 of the ephemeral ECDH secret, with `label` and everything the verification covers as `info`. */
async function sasDerive(label: string, ctx: SasContext, mine: SasKey, theirPublicKey: string, roles: { newKey: string; approverKey: string }, length: number): Promise<Uint8Array> {
  const secret = await ecdh(mine.pair.privateKey, await importEcdhPublicKey(fromBase64Url(theirPublicKey)));
  const info = framed(
    label,
    ctx.verificationId,
    ctx.userId,
    ctx.identityKey,
    ctx.newDevice.deviceId,
    ctx.newDevice.signingKey,
    ctx.newDevice.dhKey,
    ctx.approverDevice.deviceId,
    ctx.approverDevice.signingKey,
    ctx.approverDevice.dhKey,
    roles.newKey,
    roles.approverKey,
  );
  return hkdf(secret, new Uint8Array(32), info, length);
}

/**
 * A secret the approving device sends the new one once both users confirmed the code (after Matrix's
 * `m.secret.send` over a verified to-device channel): AES-256-GCM with a random 96-bit IV, under a key
 * derived like the code from the same ephemeral ECDH secret, with its own label (`chat-sas-secret-v1`)
 * and everything the code covers in `info`. The associated data frames the verification id, both
 * devices' ids and the secret's name, so a ciphertext opens only in the verification, direction and
 * name it was sealed for: only the two devices whose code the users compared can make or open it.
 */
export interface SasSecretBox {
  /** The 96-bit IV, base64url. */
  readonly iv: string;
  /** The ciphertext with its 128-bit tag, base64url. */
  readonly ct: string;
}

const secretAad = (ctx: SasContext, name: string) => framed('chat-sas-secret-aad-v1', ctx.verificationId, ctx.approverDevice.deviceId, ctx.newDevice.deviceId, name);

/**
 * Seals `plaintext` (the secret named `name`) from the approving device to the new one. `mine` is the
 * approver's ephemeral key, `theirPublicKey` the new device's (its revealed key, checked against its
 * commitment). Throws CryptoError('invalid_key') for a key that is not a P-256 point.
 */
export async function sealSasSecret(ctx: SasContext, mine: SasKey, theirPublicKey: string, roles: { newKey: string; approverKey: string }, name: string, plaintext: string): Promise<SasSecretBox> {
  const key = await sasDerive('chat-sas-secret-v1', ctx, mine, theirPublicKey, roles, 32);
  const iv = randomBytes(IV_BYTES);
  return { iv: toBase64Url(iv), ct: toBase64Url(await aesGcmEncrypt(key, iv, utf8(plaintext), secretAad(ctx, name))) };
}

/**
 * Opens a secret on the new device (`mine` its ephemeral key, `theirPublicKey` the approver's).
 * Throws CryptoError('secret_refused') when it does not open: sealed by another device or in another
 * verification, for another name, or altered on the way.
 */
export async function openSasSecret(ctx: SasContext, mine: SasKey, theirPublicKey: string, roles: { newKey: string; approverKey: string }, name: string, box: SasSecretBox): Promise<string> {
  const key = await sasDerive('chat-sas-secret-v1', ctx, mine, theirPublicKey, roles, 32);
  try {
    return fromUtf8(await aesGcmDecrypt(key, fromBase64Url(box.iv), fromBase64Url(box.ct), secretAad(ctx, name)));
  } catch (error) {
    throw new CryptoError('secret_refused', `the ${name} sent over the verification does not open: it is not from the verified device, or it was altered`, { cause: error });
  }
}

/** Matrix's decimal SAS: three 13-bit numbers from the first 39 bits, each plus 1000. */
export function decimalSas(bytes: Uint8Array): string {
  if (bytes.length < 5) throw new CryptoError('invalid_key', 'a decimal SAS needs 5 bytes');
  const [b0, b1, b2, b3, b4] = bytes as unknown as [number, number, number, number, number];
  const n1 = (b0 << 5) | (b1 >> 3);
  const n2 = ((b1 & 0x7) << 10) | (b2 << 2) | (b3 >> 6);
  const n3 = ((b3 & 0x3f) << 7) | (b4 >> 1);
  return [n1, n2, n3].map((n) => String(n + 1000)).join(' ');
}

/** Whether a typed code is the shown one (spaces and dashes ignored). */
export function sameSasCode(typed: string, shown: string): boolean {
  const digits = (s: string) => s.replace(/[\s-]/g, '');
  return digits(typed).length > 0 && digits(typed) === digits(shown);
}
