import { z } from 'zod';

/** base64url text, bounded. */
const B64 = (max: number) => z.string().max(max).regex(/^[A-Za-z0-9_-]*$/, 'must be base64url');

/** Entries one upload may carry: a batch stays well under the server's 128 KiB body limit. */
export const MAX_BACKUP_ENTRIES_PER_UPLOAD = 100;
/** The most entries one listing page answers. */
export const MAX_BACKUP_ENTRIES_PER_PAGE = 500;

/**
 * What one backup entry holds: `identity` (the user's identity key; one per backup, key `identity`)
 * or `chain` (an inbound chain key of a private room, key `senderDevice:keyId`).
 */
export const BackupEntryKind = z.enum(['identity', 'chain']);
export type BackupEntryKind = z.infer<typeof BackupEntryKind>;

/**
 * One sealed record of a user's key backup as it travels and is stored. The server reads only these
 * labels: `kind`, `entryKey`, `roomId` (null for the identity key) and `firstCounter` (the chain
 * position the key opens from, so the server keeps the entry with the most history). `iv` and `ct`
 * are AES-256-GCM under the key derived from the recovery key, and every label is in its associated
 * data (shared/crypto/key-backup.ts), so the server cannot move an entry to another user, room, key or
 * backup version unnoticed.
 */
export const BackupEntry = z.object({
  kind: BackupEntryKind,
  entryKey: z.string().min(1).max(200).regex(/^[A-Za-z0-9_:-]+$/, 'must be an entry key'),
  roomId: z.uuid().nullable(),
  firstCounter: z.number().int().nonnegative().max(2 ** 31 - 1),
  iv: B64(32).min(16),
  ct: B64(16 * 1024).min(1),
});
export type BackupEntry = z.infer<typeof BackupEntry>;

/** An entry as listed back, with its position for paging (`after`). */
export const ListedBackupEntry = BackupEntry.extend({ id: z.string().regex(/^\d+$/) });
export type ListedBackupEntry = z.infer<typeof ListedBackupEntry>;

/**
 * A user's key backup: its `version` (1, then one more on each rotation of the recovery key), the
 * `keyCheck` (an HMAC under the backup key that tells a wrong recovery key apart before any entry is
 * opened), and how many entries it holds.
 */
export const KeyBackupInfo = z.object({
  version: z.number().int().positive(),
  keyCheck: B64(64).min(40),
  entries: z.number().int().nonnegative(),
  updatedAt: z.iso.datetime(),
});
export type KeyBackupInfo = z.infer<typeof KeyBackupInfo>;

/** `GET /keys/backup`. */
export const KeyBackupAnswer = z.object({ backup: KeyBackupInfo.nullable() });

/**
 * `POST /keys/backup/entries`: entries sealed for backup `version` under the key whose check is
 * `keyCheck`. The current version takes them when its check matches; the next version (a rotation
 * being written) takes them before it is committed.
 */
export const UploadBackupEntries = z.object({
  version: z.number().int().positive(),
  keyCheck: B64(64).min(40),
  entries: z.array(BackupEntry).min(1).max(MAX_BACKUP_ENTRIES_PER_UPLOAD),
});
export type UploadBackupEntries = z.infer<typeof UploadBackupEntries>;

/**
 * `PUT /keys/backup`: makes `version` (with the entries uploaded for it under `keyCheck`) the
 * current backup, if the current one is still `previousVersion` (null: there was none). Entries of
 * any other version or key are deleted.
 */
export const CommitKeyBackup = z.object({
  version: z.number().int().positive(),
  keyCheck: B64(64).min(40),
  previousVersion: z.number().int().positive().nullable(),
});
export type CommitKeyBackup = z.infer<typeof CommitKeyBackup>;

/** `GET /keys/backup/entries?after=&limit=`: the current version's entries in upload order. */
export const BackupEntryPage = z.object({ entries: z.array(ListedBackupEntry), hasMore: z.boolean() });
export type BackupEntryPage = z.infer<typeof BackupEntryPage>;

/** The query of `GET /keys/backup/entries`. */
export const BackupEntryQuery = z.object({
  after: z.string().regex(/^\d{1,18}$/).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_BACKUP_ENTRIES_PER_PAGE).default(MAX_BACKUP_ENTRIES_PER_PAGE),
});

/** A private JWK as the backup carries one (the identity key's private half). */
const Jwk = z.looseObject({ kty: z.string(), crv: z.string().optional(), d: z.string().optional(), x: z.string().optional(), y: z.string().optional() });

/**
 * The user's identity key as its backup entry holds it, once opened: named private keys as JWK (the
 * identity module decides the names, e.g. `master`), and the public key they make, base64url, so a
 * restoring device can check the key before it takes it. `v` versions the shape.
 */
export const BackedUpIdentity = z.object({
  v: z.literal(1),
  userId: z.uuid(),
  publicKey: B64(200).min(1),
  keys: z.record(z.string().min(1).max(40), Jwk),
});
export type BackedUpIdentity = z.infer<typeof BackedUpIdentity>;

/**
 * An inbound chain key as its backup entry holds it, once opened: the chain share from where this
 * user's device first followed it (`counter`), with the room and sender it belongs to.
 */
export const BackedUpChain = z.object({
  v: z.literal(1),
  roomId: z.uuid(),
  senderUser: z.uuid(),
  senderDevice: z.uuid(),
  keyId: B64(64).min(16),
  chainKey: B64(64).min(40),
  counter: z.number().int().nonnegative(),
  signingKey: B64(100).min(80),
});
export type BackedUpChain = z.infer<typeof BackedUpChain>;

/**
 * The key backup's key as an approving device sends it to the device it approves, sealed over the
 * verification (shared/crypto/sas.ts `sealSasSecret`, secret name `backup_key`): the 256-bit backup key
 * (base64url), the backup version it opens and that version's key check, so the new device can check
 * the key against the server's backup before it restores. `v` versions the shape.
 */
export const SharedBackupKey = z.object({
  v: z.literal(1),
  version: z.number().int().positive(),
  keyCheck: B64(64).min(1),
  key: B64(64).min(40),
});
export type SharedBackupKey = z.infer<typeof SharedBackupKey>;
