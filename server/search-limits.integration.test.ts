import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { newUser } from '../test/support/api.js';
import { createTestDatabase } from '../test/support/postgres.js';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';
import { createPgClient } from './store/pg-client.js';
import { migrate } from './store/migrate.js';
import { SqlStore } from './store/sql-store.js';

let t: TestServer | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await t?.stop();
  t = undefined;
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** GET /search as the user, answering the status and the body. */
async function search(url: string, accessToken: string, q: string): Promise<{ status: number; body: { hits?: unknown[]; error?: { code: string; message: string } } }> {
  const res = await fetch(`${url}/api/v1/search?${new URLSearchParams({ q })}`, { headers: { authorization: `Bearer ${accessToken}` } });
  return { status: res.status, body: (await res.json()) as never };
}

describe('search limits', () => {
  it('limits searches per user: past the limit 429 rate_limited, while another user still gets results', async () => {
    t = await startTestServer({ searchRateLimit: 3 });
    const alice = await newUser(t.url, 'alice');
    const bob = await newUser(t.url, 'bob');
    const { room } = await alice.api.createRoom({ name: `limit-${randomUUID().slice(0, 8)}` });
    await bob.api.join(room.id);
    await alice.api.send(room.id, 'the quick brown fox', randomUUID());
    const token = (u: typeof alice) => u.session.tokens.accessToken;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await search(t.url, token(alice), `fox ${i}`)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await search(t.url, token(alice), 'fox');
    expect(refused.body.error?.code).toBe('rate_limited');
    const other = await search(t.url, token(bob), 'fox');
    expect(other.status).toBe(200);
    expect(other.body.hits).toHaveLength(1);
   }, 90_000);

  it('cancels a PostgreSQL search past its statement timeout and answers 503 unavailable, rather than waiting', async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const sql = createPgClient(db.url);
    await migrate(sql);
    const store = new SqlStore(sql);
    cleanups.push(() => store.close());
    t = await startTestServer({ store, searchTimeoutMs: 200 });
    const alice = await newUser(t.url, 'alice');
    const { room } = await alice.api.createRoom({ name: `slow-${randomUUID().slice(0, 8)}` });
    await alice.api.send(room.id, 'the quick brown fox', randomUUID());
    expect((await search(t.url, alice.session.tokens.accessToken, 'fox')).status).toBe(200);

    // Another session holds the messages table: the search waits on the lock, as long as a slow plan would run.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    cleanups.push(() => blocker.end());
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE room_events IN ACCESS EXCLUSIVE MODE');
    // Without a timeout the search would wait for the lock; let go after a while so that it cannot hang the suite.
    const release = setTimeout(() => void blocker.query('ROLLBACK'), 15_000);
    cleanups.push(async () => clearTimeout(release));
    const slow = await search(t.url, alice.session.tokens.accessToken, 'brown');
    expect(slow.status).toBe(503);
    expect(slow.body.error).toEqual({ code: 'unavailable', message: 'search took too long; narrow the query' });
    await blocker.query('ROLLBACK');
    expect((await search(t.url, alice.session.tokens.accessToken, 'brown')).status).toBe(200);
  });
});
