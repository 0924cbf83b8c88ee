import { CryptoError, exportUserIdentity, importUserIdentity } from '../crypto/index.js';
import type { UserIdentity } from '../crypto/index.js';
import { ChatError } from '../protocol/index.js';
import type { BackedUpIdentity } from '../protocol/index.js';
import type { E2ESession } from './e2e-session.js';
import type { IdentityKeyBackup } from './key-backup.js';
import type { StoredSession } from './session-store.js';

/** The name of the identity key's private half in a `BackedUpIdentity` (the account has one key). */
const MASTER = 'master';

/** What `SessionIdentityBackup` works over. */
export interface SessionIdentityBackupOptions {
  readonly session: StoredSession;
  /** The device's E2E session (a function, since the session is made after the key backup it is given). */
  readonly e2e: () => E2ESession;
  /** Whether a restored identity key may be exported again (a terminal: yes; a browser: no). */
  readonly extractable: boolean;
}

/**
 * The user identity key's way into the key backup and back, over a device's E2E session: the key
 * this device holds goes in (as a private JWK named `master`, with its public key); a restored one
 * is imported and adopted, which signs this device (approval with the recovery key). A browser keeps
 * only a non-extractable copy, so its key goes in only when it was created in that page
 * (`remember`, from the session's `onIdentityCreated`); otherwise the backup keeps the one it has.
 */
export class SessionIdentityBackup implements IdentityKeyBackup {
  private created: BackedUpIdentity | null = null;

  constructor(private readonly options: SessionIdentityBackupOptions) {}

  /** Takes a newly created identity key while it is still extractable; it is what `exportForBackup` gives from then on. */
  async remember(identity: UserIdentity): Promise<void> {
    this.created = await this.toBackup(identity);
  }

  /** The identity key this device holds, as the backup carries it; null without one, or when it cannot be exported. */
  async exportForBackup(): Promise<BackedUpIdentity | null> {
    const held = await this.options.e2e().heldIdentity();
    if (!held) return null;
    if (this.created?.publicKey === held.publicKey) return this.created;
    try {
      return await this.toBackup(held);
    } catch (error) {
      if (error instanceof CryptoError && error.code === 'invalid_key') return null;
      throw error;
    }
  }

  /**
   * Adopts the backup's identity key unless this device holds one (`kept`, never replaced): `restored`
   * once it signed this device with it, `not_taken` when the account publishes another identity key
   * now (reset since the backup). Throws CryptoError('invalid_key') for a key that does not import or
   * does not match the public key stored with it.
   */
  async restoreFromBackup(backedUp: BackedUpIdentity): Promise<'restored' | 'kept' | 'not_taken'> {
    const e2e = this.options.e2e();
    if (await e2e.heldIdentity()) return 'kept';
    const jwk = backedUp.keys[MASTER];
    if (!jwk) throw new CryptoError('invalid_key', 'the backed-up identity has no key');
    const identity = await importUserIdentity(jwk, this.options.extractable);
    if (identity.publicKey !== backedUp.publicKey) throw new CryptoError('invalid_key', 'the backed-up identity key does not match its public key');
    try {
      await e2e.adoptIdentity(identity);
    } catch (error) {
      if (error instanceof ChatError && error.code === 'conflict') return 'not_taken';
      throw error;
    }
    return 'restored';
  }

  private async toBackup(identity: UserIdentity): Promise<BackedUpIdentity> {
    return { v: 1, userId: this.options.session.user.id, publicKey: identity.publicKey, keys: { [MASTER]: (await exportUserIdentity(identity)) as BackedUpIdentity['keys'][string] } };
  }
}
