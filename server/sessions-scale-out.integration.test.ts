import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Session } from '../shared/protocol/index.js';
import { createTestDatabase } from '../test/support/postgres.js';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';
import { migrate } from './store/migrate.js';
import { createPgClient } from './store/pg-client.js';
import { SqlStore } from './store/sql-store.js';

/** Two instances on one PostgreSQL database, joined through the real Redis under a prefix of their own. */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let instances: TestServer[] = [];
let store: SqlStore;
let drop: () => Promise<void>;

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  const client = createPgClient(db.url);
  await migrate(client);
  store = new SqlStore(client);
  const redis = { url: REDIS_URL, prefix: `test-${randomUUID().slice(0, 8)}:` };
  instances = await Promise.all([0, 1].map(() => startTestServer({ store, redis })));
});
afterAll(async () => {
  for (const i of instances) await i.stop();
  await store.close();
  await drop();
});

const url = (i: number) => (instances[i] as TestServer).url;

async function api(base: string, method: string, path: string, opts: { body?: unknown; token?: string } = {}) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe('sessions across instances (PostgreSQL + Redis)', () => {
  it('answers a lost refresh with the same pair on the other instance', async () => {
    const s = (await api(url(0), 'POST', '/auth/register', { body: { username: `g${randomUUID().slice(0, 8)}`, password: 'correct horse battery' } })).body as Session;
    const lost = await api(url(0), 'POST', '/auth/refresh', { body: { refreshToken: s.tokens.refreshToken } });
    expect(lost.status).toBe(200);
    const retried = await api(url(1), 'POST', '/auth/refresh', { body: { refreshToken: s.tokens.refreshToken } });
    expect(retried).toMatchObject({ status: 200, body: { accessToken: lost.body.accessToken, refreshToken: lost.body.refreshToken } });
    const next = await api(url(1), 'POST', '/auth/refresh', { body: { refreshToken: retried.body.refreshToken } });
    expect(next.status).toBe(200);
    // Two refreshes of one token at once, one per instance, both get the same pair.
    const [one, two] = await Promise.all([0, 1].map((i) => api(url(i), 'POST', '/auth/refresh', { body: { refreshToken: next.body.refreshToken } })));
    expect([one?.status, two?.status]).toEqual([200, 200]);
    expect(one?.body.refreshToken).toBe(two?.body.refreshToken);
  });

  it('refuses a token signed out on one instance at the other, and closes its sockets there', async () => {
    const s = (await api(url(0), 'POST', '/auth/register', { body: { username: `x${randomUUID().slice(0, 8)}`, password: 'correct horse battery' } })).body as Session;
    expect((await api(url(1), 'GET', '/me', { token: s.tokens.accessToken })).status).toBe(200);
    const ws = new WebSocket(`${url(1).replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${s.tokens.accessToken}` } });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    expect((await api(url(0), 'POST', '/auth/logout', { body: { refreshToken: s.tokens.refreshToken } })).status).toBe(204);
    expect(await closed).toBe(4001);
    expect(await api(url(1), 'GET', '/me', { token: s.tokens.accessToken })).toMatchObject({ status: 401, body: { error: { code: 'session_revoked' } } });
  });
});
