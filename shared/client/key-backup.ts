import type { BackupEntryLabels } from '../crypto/index.js';
import {
  assertBackupKey,
  backupKeyCheck,
  CryptoError,
  deriveBackupKey,
  fromBase64Url,
  inboundFromShare,
  newRecoveryKey,
  openBackupEntry,
  parseRecoveryKey,
  reachBack,
  sealBackupEntry,
  toBase64Url,
} from '../crypto/index.js';
import { BackedUpChain, BackedUpIdentity, ChatError, MAX_BACKUP_ENTRIES_PER_UPLOAD } from '../protocol/index.js';
import type { BackupEntry, KeyBackupInfo, SharedBackupKey } from '../protocol/index.js';
import type { ApiClient } from './api-client.js';
import { inboundKey, MAX_BACKUP_QUEUE } from './e2e-records.js';
import type { BackupKeyRecord, E2EStore } from './e2e-store.js';
import type { StoredSession } from './session-store.js';

/**
 * Where the user's identity key goes into the key backup and comes back from it; the user identity
 * module implements it. Without one, backups carry chain keys only.
 */
export interface IdentityKeyBackup {
  /**
   * The identity key to back up, or null when this device has none. A browser creates the key
   * extractable only long enough to hand it here once, and keeps it non-extractable afterwards.
   */
  exportForBackup(): Promise<BackedUpIdentity | null>;
  /**
   * Takes the identity key from a restored backup: `restored` when this device had none and now has
   * it, `kept` when it already held one (never replaced), `not_taken` when the account's identity key
   * is another one now. Throws when the key is not the user's.
   */
  restoreFromBackup(identity: BackedUpIdentity): Promise<'restored' | 'kept' | 'not_taken'>;
}

export interface KeyBackupOptions {
  readonly api: Pick<ApiClient, 'keyBackup' | 'commitKeyBackup' | 'uploadBackupEntries' | 'backupEntries'>;
  readonly store: E2EStore;
  readonly session: StoredSession;
  readonly identity?: IdentityKeyBackup | undefined;
}

/** What `create` did: the new recovery key (to show once), the backup version and how many entries it holds. */
export interface BackupMade {
  readonly recoveryKey: string;
  readonly version: number;
  readonly entries: number;
  /** Whether a backup existed before (its entries were re-encrypted under the new key, unless `reset`). */
  readonly rotated: boolean;
}

/**
 * What `restore` did with the backup's entries: chains `added` (none here before), `extended` (kept
 * here, now reaching further back), `kept` (kept here already from as far back: never overwritten),
 * `refused` (entries that did not open or did not match their labels: altered, or not this user's),
 * and what became of the identity key.
 */
export interface RestoreReport {
  readonly version: number;
  readonly added: number;
  readonly extended: number;
  readonly kept: number;
  readonly refused: number;
  readonly identity: 'restored' | 'kept' | 'not_taken' | 'none';
}

/** What the backup holds, opened: its chain keys and identity key, and how many entries were refused. */
interface Opened {
  readonly chains: BackedUpChain[];
  readonly identity: BackedUpIdentity | undefined;
  readonly refused: number;
}

const IDENTITY_KEY = 'identity';
/** Chains merged per store transaction, so the lock is never held long. */
const RESTORE_BATCH = 100;

/**
 * The user's encrypted key backup, seen from one device: making it (a new recovery key, shown once),
 * rotating the recovery key (every entry re-encrypted), restoring it with the recovery key, and adding
 * the chain keys this device receives. The device keeps the derived backup key (sealed, like every
 * record) so it can add entries; the recovery key is kept nowhere.
 */
export class KeyBackup {
  constructor(private readonly options: KeyBackupOptions) {}

  /** The server's backup (or null) and whether this device holds its key (adds to it). */
  async status(): Promise<{ backup: KeyBackupInfo | null; enabledHere: boolean }> {
    const backup = await this.options.api.keyBackup();
    const here = await this.options.store.get('backupKey', 'current');
    return { backup, enabledHere: backup !== null && here?.version === backup.version && here.keyCheck === backup.keyCheck };
  }

  /**
   * Makes the backup with a new recovery key, or rotates it: what the current backup holds is opened
   * with the key this device holds and sealed again under the new one, then the new version is
   * committed at once and the old entries go. Throws ChatError('conflict') when a backup exists whose
   * key this device does not hold (restore it first) unless `reset` (start over from what this device
   * has; what only the old backup held is lost), or when another device changed it meanwhile.
   */
  async create(opts: { reset?: boolean } = {}): Promise<BackupMade> {
    const { api, store, session } = this.options;
    const current = await api.keyBackup();
    const here = await store.get('backupKey', 'current');
    let carried: Opened = { chains: [], identity: undefined, refused: 0 };
    if (current) {
      if (here && here.version === current.version && here.keyCheck === current.keyCheck) {
        carried = await this.download(fromBase64Url(here.key), current.version);
      } else if (!opts.reset) {
        throw new ChatError(
          'conflict',
          'a key backup exists that this device cannot open: restore it with its recovery key first (chat keys restore), or start a new one with --reset (what only the old backup holds is lost)',
        );
      }
    }
    const recovery = await newRecoveryKey();
    const key = await deriveBackupKey(recovery.secret, session.user.id);
    const version = (current?.version ?? 0) + 1;
    const keyCheck = await backupKeyCheck(key, session.user.id, version);
    const identity = (await this.options.identity?.exportForBackup()) ?? carried.identity;
    const entries: BackupEntry[] = [];
    if (identity) entries.push(await this.sealIdentity(key, version, identity));
    for (const chain of carried.chains) entries.push(await this.sealChain(key, version, chain));
    for (let i = 0; i < entries.length; i += MAX_BACKUP_ENTRIES_PER_UPLOAD) {
      await api.uploadBackupEntries({ version, keyCheck, entries: entries.slice(i, i + MAX_BACKUP_ENTRIES_PER_UPLOAD) });
    }
    await api.commitKeyBackup({ version, keyCheck, previousVersion: current?.version ?? null });
    await store.transaction(async (tx) => tx.put('backupKey', 'current', { version, keyCheck, key: toBase64Url(key) } satisfies BackupKeyRecord));
    const queued = await this.flush();
    return { recoveryKey: recovery.text, version, entries: entries.length + queued, rotated: current !== null };
  }

  /**
   * Restores the backup with the recovery key as typed: every chain key joins this device's chains
   * (a chain kept here already stays as it is, reaching further back only if the backup's does, so
   * newer local keys are never overwritten), the identity key goes to the identity module, and this
   * device holds the backup key from now on. Throws ChatError('invalid_credentials') for text that is
   * not a recovery key or is not this backup's (cause: CryptoError `invalid_recovery_key` /
   * `wrong_recovery_key`), before anything here changes; ChatError('not_found') when there is no backup.
   */
  async restore(recoveryKeyText: string): Promise<RestoreReport> {
    const { api, session } = this.options;
    const key = await asChatError(async () => deriveBackupKey((await parseRecoveryKey(recoveryKeyText)).secret, session.user.id));
    const current = await api.keyBackup();
    if (!current) throw new ChatError('not_found', 'this account has no key backup yet (make one with `chat keys backup` on a device that has your keys)');
    await asChatError(() => assertBackupKey(key, session.user.id, current.version, current.keyCheck));
    return this.restoreWith(key, current);
  }

  /**
   * The backup key this device holds, for a device it approves (device-approval.ts sends it sealed
   * over the verification): null without one, or when it is not the key of the server's current
   * backup (rotated on another device). Uploads the chain keys queued here first, so that the backup
   * holds every message this device can read (an upload that fails is left for later).
   */
  async shareable(): Promise<SharedBackupKey | null> {
    await this.flush().catch(() => undefined);
    const { backup, enabledHere } = await this.status();
    const here = await this.options.store.get('backupKey', 'current');
    if (!backup || !enabledHere || !here) return null;
    return { v: 1, version: here.version, keyCheck: here.keyCheck, key: here.key };
  }

  /**
   * Restores the backup with its key as an approving device sent it (SharedBackupKey): as `restore`
   * does with the recovery key, newer local keys never overwritten. Throws ChatError('not_found')
   * without a backup, ChatError('conflict') when the key is not the one of the server's current
   * backup (rotated meanwhile, or not this account's; cause: CryptoError `wrong_recovery_key`).
   */
  async restoreFromKey(shared: SharedBackupKey): Promise<RestoreReport> {
    const { api, session } = this.options;
    const current = await api.keyBackup();
    if (!current) throw new ChatError('not_found', 'this account has no key backup');
    const key = fromBase64Url(shared.key);
    try {
      if (shared.version !== current.version) throw new CryptoError('wrong_recovery_key', `the key is backup version ${shared.version}'s; the backup is at version ${current.version} now`);
      await assertBackupKey(key, session.user.id, current.version, current.keyCheck);
    } catch (error) {
      if (error instanceof CryptoError) throw new ChatError('conflict', `the key backup's key sent to this device does not open the current backup: ${error.message}`, { cause: error });
      throw error;
    }
    return this.restoreWith(key, current);
  }

  /** Restores the backup `current` with its (checked) key: see `restore`. */
  private async restoreWith(key: Uint8Array, current: KeyBackupInfo): Promise<RestoreReport> {
    const { store, session } = this.options;
    const opened = await this.download(key, current.version);
    let added = 0;
    let extended = 0;
    let kept = 0;
    const chains = opened.chains.filter((c) => c.senderDevice !== session.deviceId);
    for (let i = 0; i < chains.length; i += RESTORE_BATCH) {
      await store.transaction(async (tx) => {
        for (const c of chains.slice(i, i + RESTORE_BATCH)) {
          const restored = inboundFromShare(
            { keyId: c.keyId, chainKey: c.chainKey, counter: c.counter, signingKey: c.signingKey },
            { roomId: c.roomId, senderUser: c.senderUser, senderDevice: c.senderDevice },
          );
          const id = inboundKey(c.senderDevice, c.keyId);
          const local = await tx.get('inbound', id);
          if (!local) {
            tx.put('inbound', id, restored);
            added += 1;
          } else {
            const merged = await reachBack(local, restored);
            if (merged === local) kept += 1;
            else {
              tx.put('inbound', id, merged);
              extended += 1;
            }
          }
          // It came: its messages open now, rather than saying the key was never given.
          if ((await tx.get('asked', id)) !== undefined) tx.delete('asked', id);
        }
      });
    }
    let identity: RestoreReport['identity'] = 'none';
    if (opened.identity) identity = this.options.identity ? await this.options.identity.restoreFromBackup(opened.identity) : 'not_taken';
    await store.transaction(async (tx) => tx.put('backupKey', 'current', { version: current.version, keyCheck: current.keyCheck, key: toBase64Url(key) }));
    await this.flush();
    return { version: current.version, added, extended, kept, refused: opened.refused, identity };
  }

  /**
   * Puts the identity key this device can export into the backup whose key it holds (replacing the
   * one there); returns whether it did. For an identity created after the backup was made.
   */
  async addIdentity(): Promise<boolean> {
    const { api, store } = this.options;
    const here = await store.get('backupKey', 'current');
    const identity = here ? await this.options.identity?.exportForBackup() : null;
    if (!here || !identity) return false;
    const entry = await this.sealIdentity(fromBase64Url(here.key), here.version, identity);
    await api.uploadBackupEntries({ version: here.version, keyCheck: here.keyCheck, entries: [entry] });
    return true;
  }

  /**
   * Uploads the chain keys queued on this device to the backup whose key it holds; returns how many.
   * Does nothing without a backup key. When the backup was rotated on another device (`conflict`),
   * this device forgets the old key and stops adding until it restores with the new recovery key.
   */
  async flush(): Promise<number> {
    const { api, store } = this.options;
    const here = await store.get('backupKey', 'current');
    if (!here) return 0;
    const key = fromBase64Url(here.key);
    let sent = 0;
    for (;;) {
      const done = (await store.get('meta', 'backupDone')) ?? 0;
      const next = (await store.get('meta', 'backupNext')) ?? 0;
      if (done >= next) return sent;
      const upTo = Math.min(next, done + MAX_BACKUP_ENTRIES_PER_UPLOAD);
      const entries: BackupEntry[] = [];
      for (let i = done; i < upTo; i++) {
        const chain = await store.get('backupQueue', String(i % MAX_BACKUP_QUEUE));
        if (chain) entries.push(await this.sealChain(key, here.version, chain));
      }
      if (entries.length > 0) {
        try {
          await api.uploadBackupEntries({ version: here.version, keyCheck: here.keyCheck, entries });
        } catch (error) {
          if (error instanceof ChatError && error.code === 'conflict') {
            await store.transaction(async (tx) => {
              const still = await tx.get('backupKey', 'current');
              if (still?.keyCheck === here.keyCheck) tx.delete('backupKey', 'current');
            });
          }
          throw error;
        }
      }
      await store.transaction(async (tx) => {
        const now = (await tx.get('meta', 'backupDone')) ?? 0;
        for (let i = now; i < upTo; i++) tx.delete('backupQueue', String(i % MAX_BACKUP_QUEUE));
        if (upTo > now) tx.put('meta', 'backupDone', upTo);
      });
      sent += entries.length;
    }
  }

  /** Every entry of the current backup, opened under `key` and checked against its labels. */
  private async download(key: Uint8Array, version: number): Promise<Opened> {
    const { api, session } = this.options;
    const chains = new Map<string, BackedUpChain>();
    let identity: BackedUpIdentity | undefined;
    let refused = 0;
    let after: string | undefined;
    for (;;) {
      const page = await api.backupEntries(after);
      for (const e of page.entries) {
        const labels: BackupEntryLabels = { userId: session.user.id, version, kind: e.kind, entryKey: e.entryKey, roomId: e.roomId, firstCounter: e.firstCounter };
        try {
          const data = JSON.parse(await openBackupEntry(key, labels, e)) as unknown;
          if (e.kind === 'identity') {
            const parsed = BackedUpIdentity.safeParse(data);
            if (!parsed.success || parsed.data.userId !== session.user.id || e.entryKey !== IDENTITY_KEY) throw new Error('not this user’s identity key');
            identity = parsed.data;
          } else {
            const parsed = BackedUpChain.safeParse(data);
            const c = parsed.data;
            if (!c || c.roomId !== e.roomId || inboundKey(c.senderDevice, c.keyId) !== e.entryKey || c.counter !== e.firstCounter) throw new Error('the entry does not match its labels');
            chains.set(e.entryKey, c);
          }
        } catch {
          refused += 1;
        }
      }
      const last = page.entries.at(-1);
      if (!page.hasMore || !last) break;
      after = last.id;
    }
    return { chains: [...chains.values()], identity, refused };
  }

  private async sealChain(key: Uint8Array, version: number, chain: BackedUpChain): Promise<BackupEntry> {
    const labels = { userId: this.options.session.user.id, version, kind: 'chain', entryKey: inboundKey(chain.senderDevice, chain.keyId), roomId: chain.roomId, firstCounter: chain.counter };
    return { kind: 'chain', entryKey: labels.entryKey, roomId: chain.roomId, firstCounter: chain.counter, ...(await sealBackupEntry(key, labels, JSON.stringify(chain))) };
  }

  private async sealIdentity(key: Uint8Array, version: number, identity: BackedUpIdentity): Promise<BackupEntry> {
    const labels = { userId: this.options.session.user.id, version, kind: 'identity', entryKey: IDENTITY_KEY, roomId: null, firstCounter: 0 };
    return { kind: 'identity', entryKey: IDENTITY_KEY, roomId: null, firstCounter: 0, ...(await sealBackupEntry(key, labels, JSON.stringify(identity))) };
  }
}

/**
 * Runs `fn`, turning a recovery key the user got wrong (mistyped, or not this backup's) into
 * ChatError('invalid_credentials') — a credential that does not open, as a wrong password — with the
 * CryptoError as cause.
 */
async function asChatError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof CryptoError && (error.code === 'invalid_recovery_key' || error.code === 'wrong_recovery_key')) {
      throw new ChatError('invalid_credentials', error.message, { cause: error });
    }
    throw error;
  }
}
