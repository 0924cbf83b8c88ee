import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { newUser } from '../test/support/api.js';
import { createTestDatabase } from '../test/support/postgres.js';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';
import { createPgClient } from './store/pg-client.js';
import { migrate } from './store/migrate.js';
import { SqlStore } from './store/sql-store.js';
import type { Store } from './store/store.js';

let t: TestServer | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await t?.stop();
  t = undefined;
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A fresh PostgreSQL database with the schema, as a store (dropped after the test). */
async function postgresStore(): Promise<Store> {
  const db = await createTestDatabase();
  cleanups.push(db.drop);
  const sql = createPgClient(db.url);
  cleanups.push(() => sql.close());
  await migrate(sql);
  return new SqlStore(sql);
}

/** POST /rooms/:room/messages as the user, answering the status and the body. */
async function post(url: string, token: string, room: string, payload: unknown): Promise<{ status: number; body: { seq?: number; duplicate?: boolean; error?: { code: string } } }> {
  const res = await fetch(`${url}/api/v1/rooms/${room}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  return { status: res.status, body: (await res.json()) as never };
}

const engines: [string, () => Promise<Store | undefined>][] = [
  ['PGlite', async () => undefined],
  ['PostgreSQL', postgresStore],
];

describe.each(engines)('a clientMsgId retried with another relation (%s)', (_engine, storeOf) => {
  it('answers 409 conflict, not a duplicate, whichever way the relation differs; a true retry stays a duplicate', async () => {
    const store = await storeOf();
    t = await startTestServer(store ? { store } : {});
    const alice = await newUser(t.url, 'alice');
    const { room } = await alice.api.createRoom({ name: `reuse-${randomUUID().slice(0, 8)}` });
    const token = alice.session.tokens.accessToken;
    const target = await alice.api.send(room.id, 'the target', randomUUID());
    const other = await alice.api.send(room.id, 'another target', randomUUID());

    // Stored plain, retried as a reply.
    const plainId = randomUUID();
    const plain = await post(t.url, token, room.id, { clientMsgId: plainId, body: 'same' });
    expect(plain.status).toBe(201);
    const asReply = await post(t.url, token, room.id, { clientMsgId: plainId, body: 'same', relatesTo: { type: 'reply', eventId: target.id } });
    expect([asReply.status, asReply.body.error?.code]).toEqual([409, 'conflict']);
    expect((await post(t.url, token, room.id, { clientMsgId: plainId, body: 'same' })).body).toMatchObject({ seq: plain.body.seq, duplicate: true });

    // Stored as a reply, retried plain, as a reply to another message, and as an edit of the same one.
    const replyId = randomUUID();
    const reply = await post(t.url, token, room.id, { clientMsgId: replyId, body: 'same', relatesTo: { type: 'reply', eventId: target.id } });
    expect(reply.status).toBe(201);
    const retries = [
      { clientMsgId: replyId, body: 'same' },
      { clientMsgId: replyId, body: 'same', relatesTo: { type: 'reply', eventId: other.id } },
      { clientMsgId: replyId, body: 'same', relatesTo: { type: 'edit', eventId: target.id } },
    ];
    const answers = [];
    for (const r of retries) {
      const a = await post(t.url, token, room.id, r);
      answers.push([a.status, a.body.error?.code]);
    }
    expect(answers).toEqual([
      [409, 'conflict'],
      [409, 'conflict'],
      [409, 'conflict'],
    ]);
    const again = await post(t.url, token, room.id, { clientMsgId: replyId, body: 'same', relatesTo: { type: 'reply', eventId: target.id } });
    expect([again.status, again.body]).toMatchObject([200, { seq: reply.body.seq, duplicate: true }]);

    // Nothing was written by the refused retries.
    const history = await alice.api.history(room.id, { limit: 50 });
    expect(history.events.filter((e) => e.clientMsgId === plainId || e.clientMsgId === replyId).map((e) => [e.seq, e.relation?.type ?? null])).toEqual([
      [plain.body.seq, null],
      [reply.body.seq, 'reply'],
    ]);
  }, 120_000);
});
