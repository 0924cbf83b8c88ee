import { stdSerializers } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/support/postgres.js';
import { createPgClient } from './pg-client.js';
import { createPgliteClient } from './pglite-client.js';
import type { SqlClient } from './sql-client.js';
import { SqlError } from './sql-error.js';

const SECRET = 'the secret body text';
const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const drop of drops) await drop();
});

const clients: [string, () => Promise<SqlClient>][] = [
  [
    'PGlite',
    async () => {
      const client = await createPgliteClient(undefined);
      drops.push(() => client.close());
      return client;
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const db = await createTestDatabase();
      const client = createPgClient(db.url, { max: 2 });
      drops.push(async () => {
        await client.close();
        await db.drop();
      });
      return client;
    },
  ],
];

describe.each(clients)('database errors from %s', (_name, open) => {
  it('name the table and constraint but carry neither the parameters nor the failing row', async () => {
    const sql = await open();
    await sql.exec(`CREATE TABLE notes (id int PRIMARY KEY, body text CHECK (body NOT LIKE '%secret%'))`);
    // Each failure is caught as it is made: awaiting them one by one would leave the later ones
    // rejected with no handler for a moment.
    const failures = [
      sql.query('INSERT INTO notes VALUES ($1, $2)', [1, SECRET]),
      sql.transaction((tx) => tx.query('INSERT INTO notes VALUES ($1, $2)', [2, SECRET])),
      sql.query('SELECT * FROM notes WHERE id = $1::int', [SECRET]),
    ].map((failure) => failure.then(() => undefined, (e: unknown) => e));
    for (const failure of failures) {
      const error = await failure;
      expect(error).toBeInstanceOf(SqlError);
      const logged = JSON.stringify(stdSerializers.err(error as Error));
      expect(logged).not.toContain(SECRET);
      expect(logged).toMatch(/notes_body_check|invalid input syntax/);
    }
  });
});
