import { describe, expect, it, vi } from 'vitest';
import { ApiClient, neverSent } from './api-client.js';
import type { FetchLike } from './api-client.js';
import { MemorySessionStore } from './session-store.js';
import { REFRESH_ANSWER_TIMEOUT_MS, REFRESH_LOST_ANSWER_RETRIES, REFRESH_REUSE_GRACE_MS } from '../protocol/index.js';


const ROOM = '3f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8d';
const MSG = '9b2e4c6a-1d3f-4e5a-8b7c-6d5e4f3a2b1c';

async function signedIn(fetch: FetchLike): Promise<ApiClient> {
  const sessions = new MemorySessionStore();
  await sessions.save({
    user: { id: '0d6f2f7e-3c4b-4a59-8e21-5b9c7d3a1f00', username: 'a' },
    deviceId: MSG,
    accessToken: 'token',
    accessExpiresAt: new Date(Date.now() + 600_000).toISOString(),
    refreshToken: 'r'.repeat(43),
  });
  return new ApiClient({ serverUrl: 'http://chat.test/', fetch, sessions, sleep: async () => {}, random: () => 0 });
}

describe('ApiClient.send', () => {
  it('retries network failures and 5xx answers with the same clientMsgId, then returns the ack', async () => {
    const bodies: string[] = [];
    let calls = 0;
    const api = await signedIn(async (url, init) => {
      expect(url).toBe(`http://chat.test/api/v1/rooms/${ROOM}/messages`);
      bodies.push(init.body as string);
      calls++;
      if (calls === 1) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      if (calls === 2) return { status: 503, ok: false, text: async () => '' };
      return { status: 201, ok: true, text: async () => JSON.stringify({ id: MSG, seq: 7, duplicate: false }) };
    });
    await expect(api.send(ROOM, 'hello', MSG)).resolves.toEqual({ id: MSG, seq: 7, duplicate: false });
    expect(new Set(bodies)).toEqual(new Set([JSON.stringify({ clientMsgId: MSG, body: 'hello' })]));
    expect(calls).toBe(3);
  });

  it('does not retry what the server refused, and gives its code', async () => {
    let calls = 0;
    const api = await signedIn(async () => {
      calls++;
      return { status: 403, ok: false, text: async () => JSON.stringify({ error: { code: 'forbidden', message: 'not a member' } }) };
    });
    await expect(api.send(ROOM, 'hello', MSG)).rejects.toMatchObject({ code: 'forbidden', message: 'not a member' });
    expect(calls).toBe(1);
  });

  it('gives up after the attempts with a clear unavailable error', async () => {
    const api = await signedIn(async () => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    });
    await expect(api.send(ROOM, 'hello', MSG, 3)).rejects.toMatchObject({
      code: 'unavailable',
      message: 'cannot reach the server at http://chat.test: it refused the connection (check that the server is running at that address)',
    });
  });

  it('says a request refused at every connect was never sent, and one that timed out may have been', async () => {
    const refused = await signedIn(async () => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    });
    const never = await refused.send(ROOM, 'hello', MSG, 3).catch((e: unknown) => e);
    expect(neverSent(never)).toBe(true);
    expect((never as Error).message).toMatch(/^cannot reach the server at http:\/\/chat\.test: it refused the connection/);
    let calls = 0;
    const frozen = await signedIn(async () => {
      calls++;
      // The first attempt was sent and never answered; the server is down by the later ones.
      if (calls === 1) throw Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    });
    const unknown = await frozen.send(ROOM, 'hello', MSG, 3).catch((e: unknown) => e);
    expect(neverSent(unknown)).toBe(false);
    expect(unknown).toMatchObject({
      code: 'unavailable',
      message: 'no answer from the server at http://chat.test within 15 s (check your network connection, or whether the server is up, and try again)',
    });
  });

  it('says an answer cut off in its body (the server froze after the headers) is no answer, the outcome unknown', async () => {
    const api = await signedIn(async () => ({
      status: 201,
      ok: true,
      text: async () => Promise.reject(Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' })),
    }));
    const error = await api.send(ROOM, 'hello', MSG, 2).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'unavailable',
      message: 'no answer from the server at http://chat.test within 15 s (check your network connection, or whether the server is up, and try again)',
    });
    expect(neverSent(error)).toBe(false);
  });
});

describe('ApiClient token expiry', () => {
  it('decides expiry on the server clock: a client whose clock runs 15 minutes fast does not refresh on every call', async () => {
    const serverNow = Date.parse('2026-11-29T12:00:00.000Z');
    const skew = 15 * 60_000 + 5_000;
    let refreshes = 0;
    const pair = (n: number) => ({
      accessToken: `access${n}`,
      accessExpiresAt: new Date(serverNow + 15 * 60_000).toISOString(),
      refreshToken: `refresh${n}`.padEnd(43, 'x'),
      serverTime: new Date(serverNow).toISOString(),
    });
    const fetch: FetchLike = async (url) => {
      if (url.endsWith('/auth/login')) {
        const session = { user: { id: '0d6f2f7e-3c4b-4a59-8e21-5b9c7d3a1f00', username: 'a' }, device: { id: MSG, name: 'd', createdAt: new Date(serverNow).toISOString() }, tokens: pair(0) };
        return { status: 200, ok: true, text: async () => JSON.stringify(session) };
      }
      if (url.endsWith('/auth/refresh')) {
        refreshes++;
        return { status: 200, ok: true, text: async () => JSON.stringify(pair(refreshes)) };
      }
      return { status: 200, ok: true, text: async () => JSON.stringify({ user: { id: '0d6f2f7e-3c4b-4a59-8e21-5b9c7d3a1f00', username: 'a' }, deviceId: MSG }) };
    };
    const api = new ApiClient({ serverUrl: 'http://chat.test', fetch, sessions: new MemorySessionStore(), now: () => serverNow + skew });
    await api.login({ username: 'a', password: 'password123' });
    for (let i = 0; i < 3; i++) await api.me();
    expect(refreshes).toBe(0);
    const session = await api.session();
    expect(session?.clockOffsetMs).toBe(-skew);
    // Near the token's real end (server clock), it does refresh.
    const late = new ApiClient({ serverUrl: 'http://chat.test', fetch, sessions: { load: async () => session, save: async () => {}, clear: async () => {}, exclusive: (fn) => fn() }, now: () => serverNow + skew + 14 * 60_000 + 45_000 });
    await late.me();
    expect(refreshes).toBe(1);
  });
});

describe('ApiClient refresh with a lost answer', () => {
  it('asks again with the same refresh token when the answer was lost, keeps the session, and waits REFRESH_ANSWER_TIMEOUT_MS each time', async () => {
    const sessions = new MemorySessionStore();
    await sessions.save({
      user: { id: '0d6f2f7e-3c4b-4a59-8e21-5b9c7d3a1f00', username: 'a' },
      deviceId: MSG,
      accessToken: 'old-access',
      accessExpiresAt: new Date(Date.now() - 1_000).toISOString(),
      refreshToken: 'old'.padEnd(43, 'x'),
    });
    const sent: { token: unknown; timeoutMs: number | undefined }[] = [];
    const timeout = vi.spyOn(AbortSignal, 'timeout');
    const fetch: FetchLike = async (url, init) => {
      if (url.endsWith('/auth/refresh')) {
        sent.push({ token: (JSON.parse(String(init.body)) as { refreshToken: unknown }).refreshToken, timeoutMs: timeout.mock.lastCall?.[0] });
        // The server stalled: it rotated the token but the first two answers never arrived.
        if (sent.length <= REFRESH_LOST_ANSWER_RETRIES) throw Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
        const pair = { accessToken: 'new-access', accessExpiresAt: new Date(Date.now() + 600_000).toISOString(), refreshToken: 'new'.padEnd(43, 'x') };
        return { status: 200, ok: true, text: async () => JSON.stringify(pair) };
      }
      return { status: 200, ok: true, text: async () => JSON.stringify({ user: { id: '0d6f2f7e-3c4b-4a59-8e21-5b9c7d3a1f00', username: 'a' }, deviceId: MSG }) };
    };
    const api = new ApiClient({ serverUrl: 'http://chat.test', fetch, sessions, timeoutMs: 2_000 });
    await api.me();
    expect(sent).toEqual(Array.from({ length: REFRESH_LOST_ANSWER_RETRIES + 1 }, () => ({ token: 'old'.padEnd(43, 'x'), timeoutMs: REFRESH_ANSWER_TIMEOUT_MS })));
    expect(await sessions.load()).toMatchObject({ accessToken: 'new-access', refreshToken: 'new'.padEnd(43, 'x') });
    timeout.mockRestore();
  });

  it('keeps the server reuse grace well over the longest wait for a refresh answer', () => {
    expect(REFRESH_REUSE_GRACE_MS).toBeGreaterThanOrEqual(2 * (1 + REFRESH_LOST_ANSWER_RETRIES) * REFRESH_ANSWER_TIMEOUT_MS);
  });
});

describe('ApiClient room paths', () => {
  it('refuses an empty or blank room before asking the server, rather than calling another route', async () => {
    const asked: string[] = [];
    const api = await signedIn(async (url) => {
      asked.push(url);
      return { status: 404, ok: false, text: async () => '{"error":{"code":"not_found","message":"no route"}}' };
    });
    for (const room of ['', '   ']) {
      await expect(Promise.resolve().then(() => api.join(room))).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/give a room/) });
      await expect(Promise.resolve().then(() => api.room(room))).rejects.toMatchObject({ code: 'invalid_request' });
      await expect(Promise.resolve().then(() => api.members(room))).rejects.toMatchObject({ code: 'invalid_request' });
    }
    expect(asked).toEqual([]);
  });
});
