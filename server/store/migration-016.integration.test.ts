import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/support/postgres.js';
import { createPgClient } from './pg-client.js';
import { createPgliteClient } from './pglite-client.js';
import { defaultMigrationsDir, migrate } from './migrate.js';
import type { SqlClient } from './sql-client.js';
import { SqlStore } from './sql-store.js';
import { SKELETON_FOLD, usernameSkeleton } from '../../shared/protocol/index.js';

/** A database the migrations run on: the embedded one and a PostgreSQL server, as the server opens either. */
const engines: [string, () => Promise<{ sql: SqlClient; drop: () => Promise<void> }>][] = [
  ['PGlite (embedded)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chat-skeleton-'));
    const sql = await createPgliteClient(join(dir, 'db'));
    return { sql, drop: async () => (await sql.close(), await rm(dir, { recursive: true, force: true })) };
  }],
  ['PostgreSQL', async () => {
    const db = await createTestDatabase();
    const sql = createPgClient(db.url);
    return { sql, drop: async () => (await sql.close(), await db.drop()) };
  }],
];

/** A copy of the migrations before 016 (the schema an older server left). */
async function migrationsBefore016(): Promise<{ dir: string; drop: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'chat-migrations-'));
  for (const f of await readdir(defaultMigrationsDir())) if (f < '016') await cp(join(defaultMigrationsDir(), f), join(dir, f));
  return { dir, drop: () => rm(dir, { recursive: true, force: true }) };
}

const register = (store: SqlStore, username: string) =>
  store.createUserWithDevice(
    { id: randomUUID(), username, passwordHash: 'h' },
    { id: randomUUID(), name: 'laptop' },
    { id: randomUUID(), refreshToken: { tokenHash: randomUUID(), expiresAt: new Date(Date.now() + 60_000) } },
  );

describe.each(engines)('migration 016 (look-alike usernames, one open verification request per device): %s', (_name, engine) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  /** A database as a server before migration 016 left it (dropped after the test). */
  const before016 = async () => {
    const db = await engine();
    cleanups.push(db.drop);
    const old = await migrationsBefore016();
    cleanups.push(old.drop);
    await migrate(db.sql, old.dir);
    return db;
  };

  // `bob_`, `Bob.` and `b0b` could be registered next to `bob`: only the case was folded.
  it('keeps the look-alike accounts an older server made, and refuses a new name like any of them', async () => {
    const db = await before016();
    // An older server registered these, oldest first.
    for (const [i, name] of ['bob', 'bob_', 'B0b.', 'carol'].entries()) {
      await db.sql.query("INSERT INTO users (id, username, password_hash, created_at) VALUES ($1, $2, 'h', now() + make_interval(secs => $3))", [randomUUID(), name, i]);
    }
    await migrate(db.sql);
    const store = new SqlStore(db.sql);
    for (const name of ['bob', 'bob_', 'B0b.', 'carol']) expect((await store.findUserByUsername(name))?.username).toBe(name);

    for (const name of ['b.o.b', 'BOB-', 'bo_b', 'b0b']) expect(await register(store, name)).toEqual({ ok: false, conflict: 'username_taken', similarTo: 'bob' });
    expect(await register(store, 'BOB_')).toEqual({ ok: false, conflict: 'username_taken' });
    expect(await register(store, 'caro1')).toEqual({ ok: false, conflict: 'username_taken', similarTo: 'carol' });
    const dave = await register(store, 'dave');
    expect(dave.ok).toBe(true);
    expect(await register(store, 'Dave.')).toEqual({ ok: false, conflict: 'username_taken', similarTo: 'dave' });
    expect((await register(store, 'bobby')).ok).toBe(true);
  });

  // `aIice` and `al1ce` could be registered next to `alice`: I, i and 1 were not read as one letter.
  it('groups existing names that differ in I, i, l and 1, keeps them all, and refuses a new one like them', async () => {
    const db = await before016();
    for (const [i, name] of ['alice', 'aIice', 'al1ce', 'kai'].entries()) {
      await db.sql.query("INSERT INTO users (id, username, password_hash, created_at) VALUES ($1, $2, 'h', now() + make_interval(secs => $3))", [randomUUID(), name, i]);
    }
    await migrate(db.sql);
    const skeletons = await db.sql.query<{ username: string; username_skeleton: string | null }>('SELECT username, username_skeleton FROM users ORDER BY created_at');
    expect(skeletons.rows).toEqual([
      { username: 'alice', username_skeleton: 'allce' },
      { username: 'aIice', username_skeleton: null },
      { username: 'al1ce', username_skeleton: null },
      { username: 'kai', username_skeleton: 'kal' },
    ]);
    const store = new SqlStore(db.sql);
    for (const name of ['alice', 'aIice', 'al1ce']) expect((await store.findUserByUsername(name))?.username).toBe(name);
    for (const name of ['a1ice', 'ALlCE', 'ai1ce', 'a.l.i.c.e']) expect(await register(store, name)).toEqual({ ok: false, conflict: 'username_taken', similarTo: 'alice' });
    expect(await register(store, 'kal')).toEqual({ ok: false, conflict: 'username_taken', similarTo: 'kai' });
  });

  // The migration's SQL and usernameSkeleton must give every name the same skeleton, or an account
  // made before 016 would not block the look-alikes the server refuses next to a new one.
  it('computes the skeleton in SQL exactly as usernameSkeleton does, over many names', async () => {
    const text = await readFile(join(defaultMigrationsDir(), '016_username_skeleton_open_verification.sql'), 'utf8');
    const uses = [...text.matchAll(/translate\(lower\(username\), '([^']*)', '([^']*)'\)/g)].map((m) => [m[1], m[2]]);
    expect(uses.length).toBeGreaterThan(0);
    for (const use of uses) expect(use).toEqual([SKELETON_FOLD.from, SKELETON_FOLD.to]);

    // Names from a fixed pseudo-random sequence, weighted towards the characters the rule folds.
    let seed = 16;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-' + 'IiLl1|0Oo._-'.repeat(3);
    const names = ['alice', 'aIice', 'al1ce', 'B0b.', 'a|ice'];
    for (let n = 0; n < 3000; n++) {
      let name = '';
      for (let len = 1 + (next() % 12); name.length < len; ) name += alphabet[next() % alphabet.length];
      names.push(name);
    }
    const db = await engine();
    cleanups.push(db.drop);
    const [from, to] = uses[0] as [string, string];
    const { rows } = await db.sql.query<{ name: string; skeleton: string }>(
      `SELECT name, translate(lower(name), '${from}', '${to}') AS skeleton FROM unnest($1::text[]) AS name`,
      [names],
    );
    expect(rows.length).toBe(names.length);
    const differ = rows.filter((r) => r.skeleton !== usernameSkeleton(r.name));
    expect(differ).toEqual([]);
  });

  // Two requests a device sent at once could both stay open; the unique index needs them closed first.
  it('closes all but the newest of the open requests a device already has doubled, as a new request would', async () => {
    const db = await before016();
    const user = randomUUID();
    const device = randomUUID();
    await db.sql.query("INSERT INTO users (id, username, password_hash) VALUES ($1, 'erin', 'h')", [user]);
    await db.sql.query("INSERT INTO devices (id, user_id, name) VALUES ($1, $2, 'laptop')", [device, user]);
    const state = { step: 'requested', commitment: 'c'.repeat(43), approverDevice: null, approverKey: null, newKey: null, newConfirmed: false, approverConfirmed: false, reason: null };
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const [i, id] of ids.entries()) {
      await db.sql.query('INSERT INTO device_verifications (id, user_id, new_device, state, created_at) VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))', [
        id, user, device, JSON.stringify(state), i,
      ]);
    }
    await migrate(db.sql);
    const store = new SqlStore(db.sql);
    expect((await store.listOpenVerifications(user, new Date(Date.now() - 60_000))).map((v) => v.id)).toEqual([ids[2]]);
    for (const id of ids.slice(0, 2)) {
      expect((await store.findVerification(id))?.state).toEqual({ ...state, step: 'cancelled', reason: 'a newer request from the same device replaced it', cancelledBy: null });
    }
  });
});
