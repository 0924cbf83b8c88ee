import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFreezableProxy } from '../test/support/freezable-proxy.js';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';

/** A server whose Redis (the machine's, behind a proxy) stops answering while its connection stays open. */
let proxy: Awaited<ReturnType<typeof startFreezableProxy>>;
let t: TestServer;
beforeAll(async () => {
  proxy = await startFreezableProxy({ host: '127.0.0.1', port: 6379 });
  t = await startTestServer({ redis: { url: proxy.url, prefix: `hung:${randomUUID()}:` }, redisCommandTimeoutMs: 300 });
});
afterAll(async () => {
  proxy.thaw();
  await t.stop();
  await proxy.close();
});

async function api(method: string, path: string, opts: { body?: unknown; token?: string } = {}) {
  const res = await fetch(`${t.url}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe('a Redis that hangs', () => {
  it('fails fast: the ws ticket answers 503 unavailable, search and sign-in go on without Redis', async () => {
    const username = `hung${randomUUID().slice(0, 8)}`;
    const password = 'correct horse battery';
    const registered = await api('POST', '/auth/register', { body: { username, password } });
    expect(registered.status).toBe(201);
    const token = registered.body.tokens.accessToken as string;
    proxy.freeze();
    // Search skips its cache (and its limiter passes) when Redis fails.
    expect(await api('GET', '/search?q=hello', { token })).toMatchObject({ status: 200 });
    expect(await api('POST', '/auth/ws-ticket', { token })).toMatchObject({ status: 503, body: { error: { code: 'unavailable' } } });
    // The sign-in limiter passes when its store fails; signing in needs nothing else from Redis.
    expect((await api('POST', '/auth/login', { body: { username, password } })).status).toBe(200);
  });
});
