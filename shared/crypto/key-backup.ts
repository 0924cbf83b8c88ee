import { equalBytes, fromBase64Url, fromUtf8, randomBytes, toBase64Url, utf8 } from './bytes.js';
import { CryptoError } from './errors.js';
import { framed } from './identity.js';
import { aesGcmDecrypt, aesGcmEncrypt, hkdf, hmacSha256, IV_BYTES } from './primitives.js';

/**
 * The encrypted key backup's crypto. The backup key is HKDF-SHA-256 of the recovery key's secret,
 * bound to the user id; each entry is AES-256-GCM under it with a random 96-bit IV, and its associated
 * data frames the user id, the backup version, the entry's kind, key, room and first counter — so an
 * entry the server altered, or moved to another user, room, key or version, does not open. The key
 * check (HMAC of the user id and version) tells a wrong recovery key before any entry is tried.
 */

const SALT = utf8('chat-key-backup-v1');

/** The labels every entry's associated data binds. `roomId` is null for the identity key. */
export interface BackupEntryLabels {
  readonly userId: string;
  readonly version: number;
  readonly kind: string;
  readonly entryKey: string;
  readonly roomId: string | null;
  readonly firstCounter: number;
}

/** An entry's sealed form, base64url. */
export interface SealedBackupEntry {
  readonly iv: string;
  readonly ct: string;
}

/** The 256-bit backup key of a user's recovery key secret. */
export function deriveBackupKey(secret: Uint8Array, userId: string): Promise<Uint8Array> {
  return hkdf(secret, SALT, framed('chat-key-backup-key', userId), 32);
}

/** The key check the server keeps beside a backup version (base64url HMAC-SHA-256). */
export async function backupKeyCheck(backupKey: Uint8Array, userId: string, version: number): Promise<string> {
  return toBase64Url(await hmacSha256(backupKey, framed('chat-key-backup-check', userId, version)));
}

/** Throws CryptoError('wrong_recovery_key') unless `check` is this backup key's check for the version. */
export async function assertBackupKey(backupKey: Uint8Array, userId: string, version: number, check: string): Promise<void> {
  let given: Uint8Array;
  try {
    given = fromBase64Url(check);
  } catch {
    given = new Uint8Array();
  }
  const expected = fromBase64Url(await backupKeyCheck(backupKey, userId, version));
  if (!equalBytes(given, expected)) {
    throw new CryptoError('wrong_recovery_key', 'this is not the recovery key of your key backup (it may have been replaced by a newer one)');
  }
}

const aad = (l: BackupEntryLabels) => framed('chat-key-backup-entry-v1', l.userId, l.version, l.kind, l.entryKey, l.roomId ?? '', l.firstCounter);

/** Seals one entry's text (its JSON) under the backup key with its labels as associated data. */
export async function sealBackupEntry(backupKey: Uint8Array, labels: BackupEntryLabels, text: string): Promise<SealedBackupEntry> {
  const iv = randomBytes(IV_BYTES);
  const ct = await aesGcmEncrypt(backupKey, iv, utf8(text), aad(labels));
  return { iv: toBase64Url(iv), ct: toBase64Url(ct) };
}

/**
 * The text of one entry. Throws CryptoError('backup_entry_refused') when it does not open under the
 * backup key with exactly these labels: tampered with, or moved from another user, room, key or version.
 */
export async function openBackupEntry(backupKey: Uint8Array, labels: BackupEntryLabels, sealed: SealedBackupEntry): Promise<string> {
  try {
    return fromUtf8(await aesGcmDecrypt(backupKey, fromBase64Url(sealed.iv), fromBase64Url(sealed.ct), aad(labels)));
  } catch (error) {
    throw new CryptoError('backup_entry_refused', `backup entry ${labels.kind} ${labels.entryKey} does not open: it was altered or does not belong here`, { cause: error });
  }
}
