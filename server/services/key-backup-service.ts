import { ChatError } from '../../shared/protocol/index.js';
import type { BackupEntry, BackupEntryPage, CommitKeyBackup, KeyBackupInfo, UploadBackupEntries } from '../../shared/protocol/index.js';
import type { KeyBackupRecord, Store } from '../store/store.js';
import type { AccessClaims } from './tokens.js';

const toInfo = (b: KeyBackupRecord): KeyBackupInfo => ({ version: b.version, keyCheck: b.keyCheck, entries: b.entries, updatedAt: b.updatedAt.toISOString() });

/**
 * The encrypted key backup of each user: sealed entries the server cannot open, kept per version of
 * the recovery key. Only the user's own devices read or write it; the server checks versions and
 * shapes, and keeps, of two entries for one chain, the one that reaches further back.
 */
export class KeyBackupService {
  constructor(private readonly store: Store) {}

  /** The caller's current backup, or null. */
  async info(claims: AccessClaims): Promise<KeyBackupInfo | null> {
    const backup = await this.store.findKeyBackup(claims.userId);
    return backup ? toInfo(backup) : null;
  }

  /**
   * Stores entries for the current backup version (under its key check) or for the next one, being
   * written by a rotation. Throws `conflict` when the version or key is neither: the backup was
   * rotated on another device, which must restore with the new recovery key to add to it.
   */
  async upload(claims: AccessClaims, req: UploadBackupEntries): Promise<void> {
    const entries = req.entries.map(checkEntry);
    if (!(await this.store.putKeyBackupEntries(claims.userId, { version: req.version, keyCheck: req.keyCheck }, entries))) {
      throw new ChatError('conflict', `key backup version ${req.version} is not the current one (the recovery key was replaced on another device)`);
    }
  }

  /** Makes a new version current. Throws `conflict` when the current one is no longer `previousVersion`. */
  async commit(claims: AccessClaims, req: CommitKeyBackup): Promise<KeyBackupInfo> {
    if (!(await this.store.commitKeyBackup(claims.userId, { version: req.version, keyCheck: req.keyCheck }, req.previousVersion))) {
      throw new ChatError('conflict', 'the key backup changed meanwhile (another device made or rotated it); try again');
    }
    const backup = await this.store.findKeyBackup(claims.userId);
    if (!backup) throw new ChatError('internal', 'the committed key backup is missing');
    return toInfo(backup);
  }

  /** A page of the current backup's entries after `after`. */
  async entries(claims: AccessClaims, q: { after?: string | undefined; limit: number }): Promise<BackupEntryPage> {
    const rows = await this.store.listKeyBackupEntries(claims.userId, q.after ?? null, q.limit + 1);
    return { entries: rows.slice(0, q.limit), hasMore: rows.length > q.limit };
  }
}

/** The identity key is one entry without a room; every chain entry names its room. */
function checkEntry(e: BackupEntry): BackupEntry {
  if ((e.kind === 'identity') !== (e.roomId === null) || (e.kind === 'identity' && e.entryKey !== 'identity')) {
    throw new ChatError('invalid_request', 'a backup entry of the identity key has key "identity" and no room; a chain entry names its room');
  }
  return e;
}
