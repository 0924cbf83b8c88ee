import { ApiClient, E2ESession, KeyBackup, LiveClient, MemorySessionStore, SessionIdentityBackup } from '../../shared/client/index.js';
import type { FetchLike, SocketLike, StoredSession } from '../../shared/client/index.js';
import { IndexedDbE2EStore } from './indexeddb-e2e-store.js';

/** The browser's clients: REST with the refresh token in an HttpOnly cookie, and a WebSocket opened with a one-time ticket. */
export interface WebClient {
  readonly api: ApiClient;
  readonly live: LiveClient;
}

/** The body of a streamed answer as text, piece by piece as it arrives (a summary's NDJSON lines). */
async function* textChunks(body: ReadableStream<Uint8Array>): AsyncIterable<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      const rest = decoder.decode();
      if (rest) yield rest;
      return;
    }
    // `stream`: a character split between two pieces is kept until its end arrives.
    yield decoder.decode(value, { stream: true });
  }
}

/** The browser's clients for the page's origin (REST through `window.fetch`, streamed bodies read as they arrive). */
export function createWebClient(origin: string = window.location.origin): WebClient {
  const fetch: FetchLike = async (url, init) => {
    const res = await window.fetch(url, init);
    return { status: res.status, ok: res.ok, text: () => res.text(), ...(res.body ? { chunks: () => textChunks(res.body as ReadableStream<Uint8Array>) } : {}) };
  };
  const api = new ApiClient({ serverUrl: origin, fetch, sessions: new MemorySessionStore(), cookieSession: true });
  const live = new LiveClient({ api, socketAuth: 'ticket', createSocket: (url) => new WebSocket(url) as unknown as SocketLike });
  return { api, live };
}

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
