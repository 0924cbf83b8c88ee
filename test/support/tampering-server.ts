import pg from 'pg';
import type { ServerProcess } from './binaries.js';
import { startServer } from './binaries.js';
import { createTestDatabase } from './postgres.js';

// The honest server refuses control characters in one-line fields (topics, device names) at its edge
// (shared/protocol/text-field.ts). Clients must still show such text inert, because a malicious or
// compromised server, or rows stored before that check existed, can hand them anything. This helper
// plays that server: a real `chat-server` on a PostgreSQL database of its own, whose rows a test
// rewrites behind its back. The server keeps no copy of room or device rows (each request reads the
// store; its caches hold only search answers and summaries, keyed by head seq, and sign-in tickets),
// so what a test writes here is what the next request hands to clients.

/** A `chat-server` whose database a test can write to directly, as a tampering server would. */
export interface TamperingServer {
  readonly server: ServerProcess;
  /** The server's base URL (http://127.0.0.1:PORT). */
  readonly url: string;
  /** Runs one SQL statement on the server's database; the rows it returns. */
  sql<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** Sets the topic of the room named `room` (open or private); throws unless exactly one room matched. */
  setTopic(room: string, topic: string): Promise<void>;
  /** Renames the device `deviceId` (a UUID); throws unless exactly one device matched. */
  setDeviceName(deviceId: string, name: string): Promise<void>;
  /** Stops the server, then drops its database. */
  stop(): Promise<void>;
}

/**
 * Starts `chat-server` on a fresh PostgreSQL database (test/support/postgres.ts) with `dataDir` and any
 * extra `env`, and connects to that database. Throws what startServer throws, having dropped the
 * database again.
 */
export async function startTamperingServer(options: { dataDir: string; env?: Record<string, string> }): Promise<TamperingServer> {
  const db = await createTestDatabase();
  let server: ServerProcess;
  try {
    server = await startServer({ dataDir: options.dataDir, env: { ...options.env, DATABASE_URL: db.url } });
  } catch (error) {
    await db.drop();
    throw error;
  }
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();

  const sql = async <R extends pg.QueryResultRow>(text: string, params: readonly unknown[] = []): Promise<R[]> => (await client.query<R>(text, [...params])).rows;
  /** An UPDATE that must hit exactly one row, so that a misspelt key cannot leave the test unarmed. */
  const updateOne = async (what: string, text: string, params: readonly unknown[]): Promise<void> => {
    const { rowCount } = await client.query(text, [...params]);
    if (rowCount !== 1) throw new Error(`tampering with ${what} changed ${rowCount ?? 0} rows, not 1`);
  };

  return {
    server,
    url: server.url,
    sql,
    setTopic: (room, topic) => updateOne(`the topic of #${room}`, 'UPDATE rooms SET topic = $1 WHERE name = $2', [topic, room]),
    setDeviceName: (deviceId, name) => updateOne(`the name of device ${deviceId}`, 'UPDATE devices SET name = $1 WHERE id = $2', [name, deviceId]),
    async stop() {
      try {
        await server.stop();
      } finally {
        await client.end().catch(() => undefined);
        await db.drop();
      }
    },
  };
}
