import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { ApiClient, LiveClient, MemorySessionStore } from '../../shared/client/index.js';
import type { SocketLike } from '../../shared/client/index.js';

/** A signed-in client library pair (REST + live) for a new user on a test server. */
export async function newUser(url: string, prefix = 'u') {
  const sessions = new MemorySessionStore();
  const api = new ApiClient({ serverUrl: url, fetch: (u, init) => fetch(u, init), sessions });
  const session = await api.register({ username: `${prefix}${randomUUID().slice(0, 8)}`, password: 'correct horse battery' });
  const live = new LiveClient({
    api,
    createSocket: (u, headers) => new WebSocket(u, { headers }) as unknown as SocketLike,
    backoff: { baseMs: 50, maxMs: 500 },
  });
  return { api, live, sessions, session };
}

/** How a call ended: 'ok', or the code of the error it threw (a ChatError's stable code), else the error as text. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}
