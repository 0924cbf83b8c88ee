import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultMigrationsDir } from '../../server/store/migrate.js';
import { createPgClient } from '../../server/store/pg-client.js';
import { createPgliteClient } from '../../server/store/pglite-client.js';
import type { SqlClient } from '../../server/store/sql-client.js';
import { createTestDatabase } from './postgres.js';

/** A database that outlives its clients: `open` connects anew, as a restarted server does; `drop` removes it. */
export type Engine = () => Promise<{ open: () => Promise<SqlClient>; drop: () => Promise<void> }>;

/**
 * The two SQL engines as reopenable databases, by name: PGlite in a temporary directory (named after
 * `prefix`) and a fresh PostgreSQL test database.
 */
export function reopenableEngines(prefix: string): [string, Engine][] {
  return [
    ['PGlite (embedded)', async () => {
      const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
      return { open: () => createPgliteClient(join(dir, 'db')), drop: () => rm(dir, { recursive: true, force: true }) };
    }],
    ['PostgreSQL', async () => {
      const db = await createTestDatabase();
      return { open: async () => createPgClient(db.url), drop: db.drop };
    }],
  ];
}

/** A copy of the migrations up to and including the file named `last` (the schema an older server left). */
export async function migrationsUpTo(last: string): Promise<{ dir: string; drop: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'chat-migrations-'));
  for (const f of await readdir(defaultMigrationsDir())) if (f <= last) await cp(join(defaultMigrationsDir(), f), join(dir, f));
  return { dir, drop: () => rm(dir, { recursive: true, force: true }) };
}
