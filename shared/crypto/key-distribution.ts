import { concat, fromBase64Url, fromUtf8, randomBytes, toBase64Url, utf8 } from './bytes.js';
import { CryptoError } from './errors.js';
import type { DeviceKeys, VerifiedBundle } from './identity.js';
import { framed } from './identity.js';
import { aesGcmDecrypt, aesGcmEncrypt, ecdh, exportPublicKey, generateEcdhKeyPair, hkdf, importEcdhPublicKey, IV_BYTES, sign, verify } from './primitives.js';
import type { ChainShare } from './sender-chain.js';

/**
 * A sender's chain share sealed for one recipient device: ephemeral ECDH with the recipient's
 * identity ECDH key and signed prekey, HKDF, AES-256-GCM, and an ECDSA signature by the sender
 * device's identity key over everything.
 */
export interface SealedShare {
  readonly v: 1;
  readonly roomId: string;
  readonly senderUser: string;
  readonly senderDevice: string;
  readonly recipientUser: string;
  readonly recipientDevice: string;
  readonly prekeyId: number;
  readonly ephemeralKey: string;
  readonly iv: string;
  readonly ct: string;
  readonly sig: string;
}

type Header = Omit<SealedShare, 'iv' | 'ct' | 'sig'>;

function headerBytes(h: Header): Uint8Array {
  return framed('chat-share-v1', h.roomId, h.senderUser, h.senderDevice, h.recipientUser, h.recipientDevice, h.prekeyId, h.ephemeralKey);
}

async function shareKey(dh1: Uint8Array, dh2: Uint8Array, h: Header): Promise<Uint8Array> {
  return hkdf(concat(dh1, dh2), utf8('chat/share/v1'), headerBytes(h), 32);
}

/** Seals a chain share for one recipient device, whose bundle the caller has verified. */
export async function sealShare(sender: DeviceKeys, recipient: VerifiedBundle, roomId: string, share: ChainShare): Promise<SealedShare> {
  const ephemeral = await generateEcdhKeyPair(false);
  const header: Header = {
    v: 1,
    roomId,
    senderUser: sender.userId,
    senderDevice: sender.deviceId,
    recipientUser: recipient.bundle.userId,
    recipientDevice: recipient.bundle.deviceId,
    prekeyId: recipient.bundle.prekey.id,
    ephemeralKey: toBase64Url(await exportPublicKey(ephemeral.publicKey)),
  };
  const key = await shareKey(await ecdh(ephemeral.privateKey, recipient.dhKey), await ecdh(ephemeral.privateKey, recipient.prekey), header);
  const iv = randomBytes(IV_BYTES);
  const hb = headerBytes(header);
  const ct = await aesGcmEncrypt(key, iv, utf8(JSON.stringify(share)), hb);
  const sig = await sign(sender.signing.privateKey, concat(hb, iv, ct));
  return { ...header, iv: toBase64Url(iv), ct: toBase64Url(ct), sig: toBase64Url(sig) };
}

/**
 * Opens a share addressed to this device, after checking it is signed by the sender device whose
 * bundle the caller verified. `prekeys` are this device's current and previous prekeys by id.
 */
export async function openShare(recipient: DeviceKeys, prekeys: ReadonlyMap<number, CryptoKeyPair>, sender: VerifiedBundle, sealed: SealedShare): Promise<ChainShare> {
  if (sealed.recipientDevice !== recipient.deviceId || sealed.recipientUser !== recipient.userId) throw new CryptoError('unknown_chain', 'this share is for another device');
  if (sealed.senderDevice !== sender.bundle.deviceId || sealed.senderUser !== sender.bundle.userId) throw new CryptoError('bad_signature', 'the share does not come from the device it names');
  const { iv: ivText, ct: ctText, sig: sigText, ...header } = sealed;
  let iv: Uint8Array;
  let ct: Uint8Array;
  let sig: Uint8Array;
  let ephemeralRaw: Uint8Array;
  try {
    [iv, ct, sig, ephemeralRaw] = [fromBase64Url(ivText), fromBase64Url(ctText), fromBase64Url(sigText), fromBase64Url(header.ephemeralKey)];
  } catch (error) {
    throw new CryptoError('invalid_envelope', 'the share is not well formed', { cause: error });
  }
  const hb = headerBytes(header);
  if (!(await verify(sender.signingKey, sig, concat(hb, iv, ct)))) throw new CryptoError('bad_signature', 'the share is not signed by its sender device');
  const prekey = prekeys.get(sealed.prekeyId);
  if (!prekey) throw new CryptoError('unknown_chain', `prekey ${sealed.prekeyId} is no longer kept`);
  const ephemeral = await importEcdhPublicKey(ephemeralRaw);
  const key = await shareKey(await ecdh(recipient.dh.privateKey, ephemeral), await ecdh(prekey.privateKey, ephemeral), header);
  const share = JSON.parse(fromUtf8(await aesGcmDecrypt(key, iv, ct, hb))) as ChainShare;
  if (typeof share.keyId !== 'string' || typeof share.chainKey !== 'string' || typeof share.counter !== 'number' || typeof share.signingKey !== 'string') {
    throw new CryptoError('invalid_envelope', 'the share does not hold a chain');
  }
  return share;
}
