import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { PgliteStatements } from './pglite-statements.js';

describe('PgliteStatements', () => {
  let db: PGlite;
  let statements: PgliteStatements;

  // One database for the file (a PGlite takes seconds to start); each test starts with no statement
  // prepared and a fresh table.
  beforeAll(async () => {
    db = new PGlite();
    await db.waitReady;
  });
  beforeEach(async () => {
    vi.restoreAllMocks();
    await db.exec(`DEALLOCATE ALL; DROP TABLE IF EXISTS t; CREATE TABLE t (id uuid PRIMARY KEY, n bigint, tags text[], doc jsonb, at timestamptz, ok boolean, note text)`);
    statements = new PgliteStatements(db);
  });
  afterAll(async () => {
    await db.close();
  });

  const row = ['0b5c2a4e-9d1f-4c33-8a0e-6f1d2c3b4a59', 42, ['a', 'b "quoted"', 'c,d', null], { k: [1, 'x'] }, new Date('2026-11-30T12:00:00Z'), true, null];
  const insert = 'INSERT INTO t (id, n, tags, doc, at, ok, note) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *';

  it('answers what PGlite query answers, for the same parameters and types', async () => {
    const ours = await statements.query(insert, row, undefined);
    const select = 'SELECT * FROM t WHERE id = $1 AND tags = $2::text[]';
    const theirs = await db.query(select, [row[0], row[2]]);
    expect(ours.rows).toEqual(theirs.rows);
    expect((await statements.query(select, [row[0], row[2]], undefined)).rows).toEqual(theirs.rows);
    expect(theirs.rows[0]).toMatchObject({ n: 42, tags: ['a', 'b "quoted"', 'c,d', null], doc: { k: [1, 'x'] }, ok: true, note: null });
    expect((theirs.rows[0] as { at: Date }).at.toISOString()).toBe('2026-11-30T12:00:00.000Z');
  });

  it('runs a prepared statement again in one call into the database', async () => {
    await statements.query('SELECT $1::int + 1 AS n', [1], undefined);
    const calls = vi.spyOn(db, 'execProtocol');
    const { rows } = await statements.query('SELECT $1::int + 1 AS n', [41], undefined);
    expect(rows).toEqual([{ n: 42 }]);
    expect(calls).toHaveBeenCalledTimes(1);
  });

  it('throws the database error and leaves the connection usable; in a transaction, the transaction is aborted', async () => {
    await statements.query(insert, row, undefined);
    await expect(statements.query(insert, row, undefined)).rejects.toMatchObject({ code: '23505' });
    expect((await statements.query('SELECT count(*)::int AS c FROM t', [], undefined)).rows).toEqual([{ c: 1 }]);
    await expect(
      db.transaction(async (tx) => {
        await expect(statements.query(insert, row, tx)).rejects.toMatchObject({ code: '23505' });
        await expect(statements.query('SELECT 1 AS one', [], tx)).rejects.toMatchObject({ code: '25P02' });
      }),
    ).rejects.toThrow();
    expect((await statements.query('SELECT 1 AS one', [], undefined)).rows).toEqual([{ one: 1 }]);
  });

  it('refuses a parse error without caching it, and prepares the next text as usual', async () => {
    await expect(statements.query('SELEC 1', [], undefined)).rejects.toMatchObject({ code: '42601' });
    await expect(statements.query('SELEC 1', [], undefined)).rejects.toMatchObject({ code: '42601' });
    expect((await statements.query('SELECT 2 AS two', [], undefined)).rows).toEqual([{ two: 2 }]);
  });

  it('outside a transaction, waits for an open one to end instead of running inside it', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const tx = db.transaction(async (t) => {
      await t.query('INSERT INTO t (id, n) VALUES ($1, 1)', [row[0]]);
      await held;
      await t.rollback();
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    let answered = false;
    const count = statements.query<{ c: number }>('SELECT count(*)::int AS c FROM t', [], undefined).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answered).toBe(false);
    release();
    await tx;
    expect((await count).rows).toEqual([{ c: 0 }]);
  });

  it('refuses a transaction already closed, as tx.query does', async () => {
    let closed: Parameters<Parameters<PGlite['transaction']>[0]>[0] | undefined;
    await db.transaction(async (tx) => {
      closed = tx;
    });
    await expect(statements.query('SELECT 1', [], closed)).rejects.toThrow('Transaction is closed');
  });

  it('prepares again after a script that changed the schema (forgetAll)', async () => {
    await statements.query(insert, row, undefined);
    expect(Object.keys((await statements.query('SELECT * FROM t', [], undefined)).rows[0] as object)).not.toContain('extra');
    await db.exec('ALTER TABLE t ADD COLUMN extra int DEFAULT 7');
    // Without forgetAll the statement prepared before keeps its old result type and Postgres refuses it.
    await expect(statements.query('SELECT * FROM t', [], undefined)).rejects.toMatchObject({ code: '0A000' });
    statements.forgetAll();
    expect((await statements.query('SELECT * FROM t', [], undefined)).rows[0]).toMatchObject({ extra: 7 });
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements');
    expect(rows[0]?.n).toBe(1);
  });

  it('keeps at most its limit of statements prepared, closing the least recently used', async () => {
    const few = new PgliteStatements(db, 2);
    for (const n of [1, 2, 3, 1, 4, 1]) expect((await few.query(`SELECT ${n} AS n`, [], undefined)).rows).toEqual([{ n }]);
    // The evicted are closed with the next call: after the last, only the two newest remain.
    const { rows } = await db.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements ORDER BY statement');
    expect(rows.map((r) => r.statement)).toEqual(['SELECT 1 AS n', 'SELECT 4 AS n']);
  });
});
