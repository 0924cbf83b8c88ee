// Straight from their modules, not the shared/client barrel: through it the sign-in page's chunk would
// take in every module the barrel names (the chat model, encryption, search), which the signed-in
// frame loads later on its own (docs/architecture.md).
import { ApiClient } from '../../shared/client/api-client.js';
import type { FetchLike } from '../../shared/client/api-client.js';
import { LiveClient } from '../../shared/client/live-client.js';
import type { SocketLike } from '../../shared/client/live-client.js';
import { MemorySessionStore } from '../../shared/client/session-store.js';

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
