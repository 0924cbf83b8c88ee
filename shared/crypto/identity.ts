import { concat, fromBase64Url, toBase64Url, utf8 } from './bytes.js';
import { CryptoError } from './errors.js';
import { exportPublicKey, generateEcdhKeyPair, generateSigningKeyPair, importEcdhPublicKey, importSigningPublicKey, sign, verify } from './primitives.js';

/** A device's private keys. They never leave the device. */
export interface DeviceKeys {
  readonly userId: string;
  readonly deviceId: string;
  /** Signs the device's bundle and every key-distribution message it sends. */
  readonly signing: CryptoKeyPair;
  /** The long-term ECDH key. */
  readonly dh: CryptoKeyPair;
  /** The signed prekey, rotated weekly. */
  readonly prekey: Prekey;
  /** The prekey before the current one, kept a while for shares sealed to it before the rotation. */
  readonly previousPrekey?: Prekey | undefined;
}

export interface Prekey {
  readonly id: number;
  readonly pair: CryptoKeyPair;
  readonly createdAt: number;
}

/** The private prekeys a device can open shares with, by id. */
export function prekeysOf(keys: DeviceKeys): Map<number, CryptoKeyPair> {
  const map = new Map([[keys.prekey.id, keys.prekey.pair]]);
  if (keys.previousPrekey) map.set(keys.previousPrekey.id, keys.previousPrekey.pair);
  return map;
}

/** What a device publishes in the server's key directory; every field is covered by `signature`. */
export interface DeviceBundle {
  readonly userId: string;
  readonly deviceId: string;
  /** Raw uncompressed P-256 points, base64url. */
  readonly signingKey: string;
  readonly dhKey: string;
  readonly prekey: { readonly id: number; readonly key: string; readonly createdAt: number };
  /** ECDSA by `signingKey` over all of the above. */
  readonly signature: string;
}

/** A bundle whose signature checked out, with its keys imported. */
export interface VerifiedBundle {
  readonly bundle: DeviceBundle;
  readonly signingKey: CryptoKey;
  readonly signingKeyRaw: Uint8Array;
  readonly dhKey: CryptoKey;
  readonly prekey: CryptoKey;
}

/** A prekey older than this is replaced. */
export const PREKEY_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;

function bundleBytes(b: Omit<DeviceBundle, 'signature'>): Uint8Array {
  return utf8(JSON.stringify(['chat-device-bundle-v1', b.userId, b.deviceId, b.signingKey, b.dhKey, b.prekey.id, b.prekey.key, b.prekey.createdAt]));
}

/** New device keys. `extractable` is true where keys must be exported to a keychain (the CLI). */
export async function generateDeviceKeys(opts: { userId: string; deviceId: string; extractable: boolean; now: number }): Promise<DeviceKeys> {
  const [signing, dh, prekey] = await Promise.all([
    generateSigningKeyPair(opts.extractable),
    generateEcdhKeyPair(opts.extractable),
    generateEcdhKeyPair(opts.extractable),
  ]);
  return { userId: opts.userId, deviceId: opts.deviceId, signing, dh, prekey: { id: 1, pair: prekey, createdAt: opts.now } };
}

/** The same device with a new signed prekey, if the current one is a week old; the old one is kept as previous. */
export async function rotatePrekeyIfDue(keys: DeviceKeys, now: number, extractable: boolean): Promise<DeviceKeys> {
  if (now - keys.prekey.createdAt < PREKEY_MAX_AGE_MS) return keys;
  return { ...keys, previousPrekey: keys.prekey, prekey: { id: keys.prekey.id + 1, pair: await generateEcdhKeyPair(extractable), createdAt: now } };
}

/** The signed public bundle to publish. */
export async function publicBundle(keys: DeviceKeys): Promise<DeviceBundle> {
  const unsigned = {
    userId: keys.userId,
    deviceId: keys.deviceId,
    signingKey: toBase64Url(await exportPublicKey(keys.signing.publicKey)),
    dhKey: toBase64Url(await exportPublicKey(keys.dh.publicKey)),
    prekey: { id: keys.prekey.id, key: toBase64Url(await exportPublicKey(keys.prekey.pair.publicKey)), createdAt: keys.prekey.createdAt },
  };
  return { ...unsigned, signature: toBase64Url(await sign(keys.signing.privateKey, bundleBytes(unsigned))) };
}

/** Checks a bundle's keys and self-signature; throws `invalid_key` or `bad_signature`. */
export async function verifyBundle(bundle: DeviceBundle): Promise<VerifiedBundle> {
  let signingKeyRaw: Uint8Array;
  let signature: Uint8Array;
  try {
    signingKeyRaw = fromBase64Url(bundle.signingKey);
    signature = fromBase64Url(bundle.signature);
  } catch (error) {
    throw new CryptoError('invalid_key', 'the device bundle is not well formed', { cause: error });
  }
  const signingKey = await importSigningPublicKey(signingKeyRaw);
  if (!(await verify(signingKey, signature, bundleBytes(bundle)))) {
    throw new CryptoError('bad_signature', `the key bundle of device ${bundle.deviceId} is not signed by its own key`);
  }
  const [dhKey, prekey] = await Promise.all([importEcdhPublicKey(fromBase64Url(bundle.dhKey)), importEcdhPublicKey(fromBase64Url(bundle.prekey.key))]);
  return { bundle, signingKey, signingKeyRaw, dhKey, prekey };
}

/** Device keys as JSON (JWK), for a keychain. Only works on extractable keys. */
export interface ExportedDeviceKeys {
  readonly v: 1;
  readonly userId: string;
  readonly deviceId: string;
  readonly signing: JsonWebKey;
  readonly dh: JsonWebKey;
  readonly prekey: { readonly id: number; readonly key: JsonWebKey; readonly createdAt: number };
  readonly previousPrekey?: { readonly id: number; readonly key: JsonWebKey; readonly createdAt: number };
}

export async function exportDeviceKeys(keys: DeviceKeys): Promise<ExportedDeviceKeys> {
  const jwk = (k: CryptoKey) => crypto.subtle.exportKey('jwk', k);
  return {
    v: 1,
    userId: keys.userId,
    deviceId: keys.deviceId,
    signing: await jwk(keys.signing.privateKey),
    dh: await jwk(keys.dh.privateKey),
    prekey: { id: keys.prekey.id, key: await jwk(keys.prekey.pair.privateKey), createdAt: keys.prekey.createdAt },
    ...(keys.previousPrekey
      ? { previousPrekey: { id: keys.previousPrekey.id, key: await jwk(keys.previousPrekey.pair.privateKey), createdAt: keys.previousPrekey.createdAt } }
      : {}),
  };
}

/** Restores exported keys (the public halves are rebuilt from the private JWKs). */
export async function importDeviceKeys(data: ExportedDeviceKeys, extractable = true): Promise<DeviceKeys> {
  const pair = async (jwk: JsonWebKey, alg: 'ECDSA' | 'ECDH'): Promise<CryptoKeyPair> => {
    const usages: KeyUsage[] = alg === 'ECDSA' ? ['sign'] : ['deriveBits'];
    const privateKey = await crypto.subtle.importKey('jwk', jwk, { name: alg, namedCurve: 'P-256' }, extractable, usages);
    const { d: _d, key_ops: _ops, ...pub } = jwk;
    const publicKey = await crypto.subtle.importKey('jwk', pub, { name: alg, namedCurve: 'P-256' }, true, alg === 'ECDSA' ? ['verify'] : []);
    return { privateKey, publicKey };
  };
  return {
    userId: data.userId,
    deviceId: data.deviceId,
    signing: await pair(data.signing, 'ECDSA'),
    dh: await pair(data.dh, 'ECDH'),
    prekey: { id: data.prekey.id, pair: await pair(data.prekey.key, 'ECDH'), createdAt: data.prekey.createdAt },
    previousPrekey: data.previousPrekey
      ? { id: data.previousPrekey.id, pair: await pair(data.previousPrekey.key, 'ECDH'), createdAt: data.previousPrekey.createdAt }
      : undefined,
  };
}

/** Bytes to sign that bind a label to several fields without ambiguity. */
export function framed(label: string, ...fields: (string | number | Uint8Array)[]): Uint8Array {
  const parts: Uint8Array[] = [utf8(label)];
  for (const f of fields) {
    const bytes = typeof f === 'string' ? utf8(f) : typeof f === 'number' ? utf8(String(f)) : f;
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, bytes.length);
    parts.push(len, bytes);
  }
  return concat(...parts);
}
