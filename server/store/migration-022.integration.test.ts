import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/support/postgres.js';
import { createPgClient } from './pg-client.js';
import { createPgliteClient } from './pglite-client.js';
import { defaultMigrationsDir, migrate } from './migrate.js';
import type { SqlClient } from './sql-client.js';
import { SqlStore } from './sql-store.js';

/** A database the migrations run on: the embedded one and a PostgreSQL server, as the server opens either. */
const engines: [string, () => Promise<{ sql: SqlClient; drop: () => Promise<void> }>][] = [
  ['PGlite (embedded)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chat-markers-'));
    const sql = await createPgliteClient(join(dir, 'db'));
    return { sql, drop: async () => (await sql.close(), await rm(dir, { recursive: true, force: true })) };
  }],
  ['PostgreSQL', async () => {
    const db = await createTestDatabase();
    const sql = createPgClient(db.url);
    return { sql, drop: async () => (await sql.close(), await db.drop()) };
  }],
];

/** A copy of the migrations before 022 (the schema an older server left). */
async function migrationsBefore022(): Promise<{ dir: string; drop: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'chat-migrations-'));
  for (const f of await readdir(defaultMigrationsDir())) if (f < '022') await cp(join(defaultMigrationsDir(), f), join(dir, f));
  return { dir, drop: () => rm(dir, { recursive: true, force: true }) };
}

describe.each(engines)('migration 022 (read markers from the join): %s', (_name, engine) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** The rows an older server wrote, by hand: it stored no read marker at a join. */
  const older = (sql: SqlClient) => {
    const user = async (username: string) => {
      const id = randomUUID();
      await sql.query("INSERT INTO users (id, username, password_hash) VALUES ($1, $2, 'h')", [id, username]);
      return id;
    };
    /** Appends an event at the room's next seq, as the server does; answers its seq. */
    const event = async (roomId: string, kind: 'message' | 'join' | 'leave', senderId: string) => {
      const { rows } = await sql.query<{ head_seq: string }>('UPDATE rooms SET head_seq = head_seq + 1 WHERE id = $1 RETURNING head_seq', [roomId]);
      const seq = Number(rows[0]?.head_seq);
      await sql.query('INSERT INTO room_events (id, room_id, seq, kind, sender_id, body) VALUES ($1, $2, $3, $4, $5, $6)', [randomUUID(), roomId, seq, kind, senderId, kind === 'message' ? 'hi' : null]);
      return seq;
    };
    const room = async (name: string, ownerId: string) => {
      const id = randomUUID();
      await sql.query("INSERT INTO rooms (id, name, visibility, owner_id) VALUES ($1, $2, 'open', $3)", [id, name, ownerId]);
      await sql.query("INSERT INTO room_members (room_id, user_id, role) VALUES ($1, $2, 'owner')", [id, ownerId]);
      return { id, joined: await event(id, 'join', ownerId) };
    };
    const join = async (roomId: string, userId: string) => {
      await sql.query("INSERT INTO room_members (room_id, user_id, role) VALUES ($1, $2, 'member')", [roomId, userId]);
      return event(roomId, 'join', userId);
    };
    const leave = async (roomId: string, userId: string) => {
      await sql.query('DELETE FROM room_members WHERE room_id = $1 AND user_id = $2', [roomId, userId]);
      return event(roomId, 'leave', userId);
    };
    return { user, event, room, join, leave };
  };

  // Members who joined before the join set their marker kept marker 0 (or none): every old message unread.
  it("starts each member's marker at their (latest) join, keeps markers already past it, and leaves former members alone", async () => {
    const db = await engine();
    cleanups.push(db.drop);
    const old = await migrationsBefore022();
    cleanups.push(old.drop);
    await migrate(db.sql, old.dir);
    const o = older(db.sql);
    const [alice, bob, carol, dave, erin] = [await o.user('alice'), await o.user('bob'), await o.user('carol'), await o.user('dave'), await o.user('erin')];
    const general = await o.room('general', alice); // seq 1
    for (let i = 0; i < 3; i++) await o.event(general.id, 'message', alice); // 2..4
    const bobJoined = await o.join(general.id, bob); // 5
    await o.event(general.id, 'message', alice); // 6
    const carolJoined = await o.join(general.id, carol); // 7
    await o.join(general.id, dave); // 8
    await o.event(general.id, 'message', bob); // 9
    await o.leave(general.id, dave); // 10
    await o.event(general.id, 'message', alice); // 11
    const daveBack = await o.join(general.id, dave); // 12
    await o.join(general.id, erin); // 13
    await o.leave(general.id, erin); // 14
    await o.event(general.id, 'message', alice); // 15
    // Alice read it all; bob's marker is the old server's 0; carol has none; dave's is left from his first stay; erin left.
    await db.sql.query('INSERT INTO read_markers (user_id, room_id, seq) VALUES ($1, $3, 15), ($2, $3, 0), ($4, $3, 9), ($5, $3, 0)', [alice, bob, general.id, dave, erin]);

    expect(await migrate(db.sql)).toContain('022_read_markers_from_join.sql');
    const store = new SqlStore(db.sql);
    expect((await store.listReadMarkers(alice)).get(general.id)).toBe(15);
    expect((await store.listReadMarkers(bob)).get(general.id)).toBe(bobJoined);
    expect((await store.listReadMarkers(carol)).get(general.id)).toBe(carolJoined);
    expect((await store.listReadMarkers(dave)).get(general.id)).toBe(daveBack);
    expect((await store.listReadMarkers(erin)).get(general.id)).toBe(0);
    expect([bobJoined, carolJoined, daveBack]).toEqual([5, 7, 12]);
  });

  // A member whose join event is not there (no server drops one; a hand-edited database may): nothing older is unread.
  it("sets a member with no join event to the room's latest seq", async () => {
    const db = await engine();
    cleanups.push(db.drop);
    const old = await migrationsBefore022();
    cleanups.push(old.drop);
    await migrate(db.sql, old.dir);
    const o = older(db.sql);
    const [alice, frank] = [await o.user('alice'), await o.user('frank')];
    const plans = await o.room('plans', alice);
    await db.sql.query("INSERT INTO room_members (room_id, user_id, role) VALUES ($1, $2, 'member')", [plans.id, frank]);
    for (let i = 0; i < 4; i++) await o.event(plans.id, 'message', alice); // 2..5
    await migrate(db.sql);
    const store = new SqlStore(db.sql);
    expect((await store.listReadMarkers(frank)).get(plans.id)).toBe(5);
    expect((await store.listReadMarkers(alice)).get(plans.id)).toBe(plans.joined);
    // Run again (as a restored backup might): nothing moves back.
    await db.sql.query('DELETE FROM schema_migrations WHERE name = $1', ['022_read_markers_from_join.sql']);
    await store.setReadMarker(alice, plans.id, 4);
    await migrate(db.sql);
    expect((await store.listReadMarkers(alice)).get(plans.id)).toBe(4);
  });
});
