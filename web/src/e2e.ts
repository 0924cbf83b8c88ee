import { E2ESession, KeyBackup, SessionIdentityBackup } from '../../shared/client/index.js';
import type { StoredSession } from '../../shared/client/index.js';
import type { WebClient } from './client.js';
import { IndexedDbE2EStore } from './indexeddb-e2e-store.js';

// Apart from client.ts, which the sign-in page needs: this is loaded with the signed-in frame only.

/**
 * End-to-end encryption for this browser's device (its keys never leave IndexedDB, nor can they be
 * exported) and the user's key backup, which the chain keys it receives go into. The identity key
 * goes into the backup only when this page creates it (then it is still extractable; afterwards only
 * a non-extractable copy is kept); one restored from the backup approves this device.
 */
export function createE2E(client: WebClient, session: StoredSession): { e2e: E2ESession; store: IndexedDbE2EStore; backup: KeyBackup } {
  const store = new IndexedDbE2EStore(session.deviceId);
  const identity = new SessionIdentityBackup({ session, extractable: false, e2e: (): E2ESession => e2e });
  const backup = new KeyBackup({ api: client.api, store, session, identity });
  const e2e = new E2ESession({ api: client.api, store, session, extractable: false, backup, onIdentityCreated: (created) => identity.remember(created) });
  return { e2e, store, backup };
}
