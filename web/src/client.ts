import { ApiClient, LiveClient, MemorySessionStore } from '../../shared/client/index.js';
import type { SocketLike } from '../../shared/client/index.js';

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
