import { ApiClient, E2ESession, KeyBackup, LiveClient, MemorySessionStore } from '../../shared/client/index.js';
import type { SocketLike, StoredSession } from '../../shared/client/index.js';
import { IndexedDbE2EStore } from './indexeddb-e2e-store.js';

/** The browser's clients: REST with the refresh token in an HttpOnly cookie, and a WebSocket opened with a one-time ticket. */
export interface WebClient {
  readonly api: ApiClient;
  readonly live: LiveClient;
}

export function createWebClient(origin: string = window.location.origin): WebClient {
  const api = new ApiClient({ serverUrl: origin, fetch: (url, init) => window.fetch(url, init), sessions: new MemorySessionStore(), cookieSession: true });
  const live = new LiveClient({ api, socketAuth: 'ticket', createSocket: (url) => new WebSocket(url) as unknown as SocketLike });
  return { api, live };
}

/**
 * End-to-end encryption for this browser's device (its keys never leave IndexedDB, nor can they be
 * exported) and the user's key backup, which the chain keys it receives go into.
 */
export function createE2E(client: WebClient, session: StoredSession): { e2e: E2ESession; store: IndexedDbE2EStore; backup: KeyBackup } {
  const store = new IndexedDbE2EStore(session.deviceId);
  const backup = new KeyBackup({ api: client.api, store, session });
  return { e2e: new E2ESession({ api: client.api, store, session, extractable: false, backup }), store, backup };
}
