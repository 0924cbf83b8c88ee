import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packagePath } from '../package-path.js';
import type { SqlClient } from './sql-client.js';

/** An arbitrary constant: the advisory lock that keeps two instances from migrating at once. */
const MIGRATION_LOCK = 727_001;

/** The migrations folder, database/postgres, of this package. */
export function defaultMigrationsDir(from: string = import.meta.url): string {
  const dir = packagePath(join('database', 'postgres'), from);
  if (!dir) throw new Error('database/postgres migrations not found above ' + fileURLToPath(from));
  return dir;
}

/**
 * Applies the `NNN_name.sql` files not yet recorded in `schema_migrations`, in order, in one
 * transaction under an advisory lock, so instances starting together migrate once.
 * Returns the names applied.
 */
export async function migrate(client: SqlClient, dir: string = defaultMigrationsDir()): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  return client.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await tx.query<{ name: string }>('SELECT name FROM schema_migrations');
    const done = new Set(rows.map((r) => r.name));
    const applied: string[] = [];
    for (const file of files) {
      if (done.has(file)) continue;
      await tx.exec(await readFile(join(dir, file), 'utf8'));
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
      applied.push(file);
    }
    return applied;
  });
}
