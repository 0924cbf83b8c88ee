import { toHex } from './bytes.js';
import { CryptoError } from './errors.js';

/**
 * The only doors to WebCrypto. Everything in the package goes through these, and the Wycheproof
 * vectors test exactly these: P-256 ECDH and ECDSA (raw r‖s signatures), AES-256-GCM, HKDF-SHA-256,
 * HMAC-SHA-256, SHA-512.
 */

const subtle = () => globalThis.crypto.subtle;
const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const P256_DH = { name: 'ECDH', namedCurve: 'P-256' } as const;
/** An uncompressed P-256 point: 0x04 ‖ x ‖ y. */
export const PUBLIC_KEY_BYTES = 65;

// WebCrypto wants ArrayBuffer-backed views; copying also detaches callers' buffers from ours.
const buf = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);

function checkPoint(raw: Uint8Array): void {
  if (raw.length !== PUBLIC_KEY_BYTES || raw[0] !== 0x04) {
    throw new CryptoError('invalid_key', 'a public key is an uncompressed P-256 point (65 bytes starting 0x04)');
  }
}

/** Imports a peer's ECDH public key, refusing anything but a valid point on P-256. */
export async function importEcdhPublicKey(raw: Uint8Array): Promise<CryptoKey> {
  checkPoint(raw);
  try {
    return await subtle().importKey('raw', buf(raw), P256_DH, true, []);
  } catch (error) {
    throw new CryptoError('invalid_key', 'the ECDH public key is not a point on P-256', { cause: error });
  }
}

/**
 * Imported verification keys by their raw bytes (hex). Opening a history verifies every message with its
 * sender chain's signing key, and importing the same public key again for each (point validation included)
 * was a large share of that work. Public keys only, so keeping them is safe; a refused key is not kept.
 */
const signingKeys = new Map<string, Promise<CryptoKey>>();
/** At most this many keys are kept; when full the memo starts over (a plain bound, not an LRU: the
 * lru-cache package would add ~7 KB gzip to the web page's first load, which is at its budget). */
const MAX_SIGNING_KEYS = 512;

/** Imports an ECDSA verification key, refusing anything but a valid point on P-256 (`invalid_key`); the same bytes give the same, cached key. */
export function importSigningPublicKey(raw: Uint8Array): Promise<CryptoKey> {
  const id = toHex(raw);
  let key = signingKeys.get(id);
  if (!key) {
    key = importSigningPublicKeyOnce(raw);
    if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.clear();
    signingKeys.set(id, key);
    key.catch(() => signingKeys.delete(id));
  }
  return key;
}

async function importSigningPublicKeyOnce(raw: Uint8Array): Promise<CryptoKey> {
  checkPoint(raw);
  try {
    return await subtle().importKey('raw', buf(raw), P256, true, ['verify']);
  } catch (error) {
    throw new CryptoError('invalid_key', 'the signing public key is not a point on P-256', { cause: error });
  }
}

export function generateEcdhKeyPair(extractable: boolean): Promise<CryptoKeyPair> {
  return subtle().generateKey(P256_DH, extractable, ['deriveBits']) as Promise<CryptoKeyPair>;
}

export function generateSigningKeyPair(extractable: boolean): Promise<CryptoKeyPair> {
  return subtle().generateKey(P256, extractable, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

/** The raw uncompressed form of a public key. */
export async function exportPublicKey(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await subtle().exportKey('raw', key));
}

/** The 32-byte shared secret of our private key and their (validated) public key. */
export async function ecdh(privateKey: CryptoKey, publicKey: CryptoKey): Promise<Uint8Array> {
  try {
    return new Uint8Array(await subtle().deriveBits({ name: 'ECDH', public: publicKey }, privateKey, 256));
  } catch (error) {
    throw new CryptoError('invalid_key', 'ECDH failed', { cause: error });
  }
}

/** ECDSA P-256 / SHA-256; the signature is raw r‖s (64 bytes), WebCrypto's form, not DER. */
export async function sign(privateKey: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, buf(data)));
}

/** True only for a valid 64-byte r‖s signature over `data`. */
export async function verify(publicKey: CryptoKey, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  if (signature.length !== 64) return false;
  try {
    return await subtle().verify({ name: 'ECDSA', hash: 'SHA-256' }, publicKey, buf(signature), buf(data));
  } catch {
    return false;
  }
}

const AES_KEY_BYTES = 32;
export const IV_BYTES = 12;

async function aesKey(key: Uint8Array, usage: KeyUsage): Promise<CryptoKey> {
  if (key.length !== AES_KEY_BYTES) throw new CryptoError('invalid_key', 'AES keys here are 256-bit');
  return subtle().importKey('raw', buf(key), 'AES-GCM', false, [usage]);
}

/** AES-256-GCM with a 96-bit IV and a 128-bit tag; returns ciphertext ‖ tag. */
export async function aesGcmEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  if (iv.length !== IV_BYTES) throw new CryptoError('invalid_key', 'AES-GCM IVs here are 96-bit');
  const k = await aesKey(key, 'encrypt');
  return new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv: buf(iv), additionalData: buf(aad), tagLength: 128 }, k, buf(plaintext)));
}

/** The plaintext, or `decrypt_failed` if the key, IV, AAD, ciphertext or tag do not match. */
export async function aesGcmDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  if (iv.length !== IV_BYTES) throw new CryptoError('decrypt_failed', 'AES-GCM IVs here are 96-bit');
  const k = await aesKey(key, 'decrypt');
  try {
    return new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: buf(iv), additionalData: buf(aad), tagLength: 128 }, k, buf(ciphertext)));
  } catch (error) {
    throw new CryptoError('decrypt_failed', 'the ciphertext does not authenticate', { cause: error });
  }
}

/** HKDF-SHA-256 (RFC 5869). */
export async function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
  if (!Number.isInteger(length) || length < 1 || length > 255 * 32) throw new CryptoError('invalid_key', 'HKDF output length out of range');
  const key = await subtle().importKey('raw', buf(ikm), 'HKDF', false, ['deriveBits']);
  return new Uint8Array(await subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: buf(salt), info: buf(info) }, key, length * 8));
}

/** HMAC-SHA-256. */
export async function hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await subtle().importKey('raw', buf(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle().sign('HMAC', k, buf(data)));
}

export async function sha512(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest('SHA-512', buf(data)));
}
