import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as Tinyld from 'tinyld/light';
import type { SqlClient } from './sql-client.js';

// The real language detector, counted on this thread: the embedded database's client must make a
// message's search terms on its own thread, so the event loop runs no detection on the send path.
const detect = vi.hoisted(() => ({ calls: 0 }));
vi.mock('tinyld/light', async (importOriginal) => {
  const real = await importOriginal<typeof Tinyld>();
  return {
    ...real,
    detect: (...args: Parameters<typeof real.detect>) => {
      detect.calls++;
      return real.detect(...args);
    },
  };
});

const { toTsvector, SEARCH_TERMS_VERSION } = await import('../../shared/search/index.js');
const { migrate } = await import('./migrate.js');
const { createPgliteWorkerClient } = await import('./pglite-worker-client.js');
const { SqlStore } = await import('./sql-store.js');

// The worker runs the built file (npm test builds first), as the server does.
const workerScript = new URL('../../dist/server/pglite-worker.js', import.meta.url);
if (!existsSync(workerScript)) throw new Error('dist/server/pglite-worker.js is missing: run npm run build');

/** Sentences whose words stem differently by language, so that toTsvector detects their language. */
const SENTENCES = [
  'the server is deploying the release',
  'Der Server läuft wieder, die Tests sind grün',
  'Le serveur redémarre après la mise à jour',
  'El servidor se reinicia después de la actualización',
  'привет, deploy сервер завтра',
  'srv-web03.lan is down again, see PLT-3699',
];

describe('search terms on the embedded database’s thread', () => {
  let sql: SqlClient;
  let store: InstanceType<typeof SqlStore>;
  let sender: { id: string; username: string };
  let roomId: string;
  beforeAll(async () => {
    sql = await createPgliteWorkerClient(undefined, workerScript);
    await migrate(sql);
    store = new SqlStore(sql);
    const made = await store.createUserWithDevice({ id: randomUUID(), username: 'terms', passwordHash: 'h' }, { id: randomUUID(), name: 'd' }, { id: randomUUID(), refreshToken: { tokenHash: randomUUID(), expiresAt: new Date(Date.now() + 60_000) } });
    if (!made.ok) throw new Error(made.conflict);
    sender = made.value.user;
    const room = await store.createRoom({ id: randomUUID(), name: 'terms', topic: '', visibility: 'open', ownerId: sender.id, joinEventId: randomUUID() });
    if (!room.ok) throw new Error(room.conflict);
    roomId = room.value.room.id;
  }, 120_000);
  afterAll(async () => {
    await store.close();
  });
  beforeEach(() => {
    detect.calls = 0;
  });

  /** Whether each stored event's terms are toTsvector's of `text` (made here, after the counting) with its time lexemes. */
  const storedAsHere = async (events: readonly { id: string; text: string }[]): Promise<boolean[]> => {
    const same: boolean[] = [];
    for (const { id, text } of events) {
      const { rows } = await sql.query<{ same: boolean }>('SELECT search = $2::tsvector || search_time_lexemes(created_at) AS same FROM room_events WHERE id = $1', [id, toTsvector(text)]);
      same.push(rows[0]?.same === true);
    }
    return same;
  };

  it('makes a batch’s terms there, the same as toTsvector makes here', async () => {
    const results = await store.appendMessages(SENTENCES.map((body) => ({ id: randomUUID(), roomId, sender, clientMsgId: randomUUID(), body, envelope: null })));
    expect(detect.calls).toBe(0);
    const events = results.map((r, i) => {
      if (!r.ok) throw new Error(r.conflict);
      return { id: r.value.event.id, text: SENTENCES[i] as string };
    });
    expect(await storedAsHere(events)).toEqual(SENTENCES.map(() => true));
  });

  it('makes an edit’s and a reply’s terms there, and none for a reaction', async () => {
    const [first] = await store.appendMessages([{ id: randomUUID(), roomId, sender, clientMsgId: randomUUID(), body: 'original text', envelope: null }]);
    if (!first?.ok) throw new Error('not appended');
    detect.calls = 0;
    const relate = async (type: 'edit' | 'reply' | 'reaction', body: string) => {
      const r = await store.appendRelation({ id: randomUUID(), roomId, sender, clientMsgId: randomUUID(), body, envelope: null, relation: { type, eventId: first.value.event.id } });
      if (!r.ok) throw new Error(r.conflict);
      return { id: r.value.event.id, text: body };
    };
    const edit = await relate('edit', SENTENCES[0] as string);
    const reply = await relate('reply', SENTENCES[2] as string);
    const reaction = await relate('reaction', '👍');
    expect(detect.calls).toBe(0);
    expect(await storedAsHere([edit, reply])).toEqual([true, true]);
    const { rows } = await sql.query<{ search: string | null }>('SELECT search FROM room_events WHERE id = $1', [reaction.id]);
    expect(rows[0]?.search).toBeNull();
  });

  it('re-indexes with terms made there', async () => {
    const results = await store.appendMessages(SENTENCES.map((body) => ({ id: randomUUID(), roomId, sender, clientMsgId: randomUUID(), body, envelope: null })));
    const events = results.map((r, i) => {
      if (!r.ok) throw new Error(r.conflict);
      return { id: r.value.event.id, text: SENTENCES[i] as string };
    });
    await sql.query(`UPDATE room_events SET search = NULL, search_version = $2 WHERE id = ANY($1::uuid[])`, [events.map((e) => e.id), SEARCH_TERMS_VERSION - 1]);
    detect.calls = 0;
    while ((await store.reindexSearchBatch(100)) > 0);
    expect(detect.calls).toBe(0);
    expect(await storedAsHere(events)).toEqual(SENTENCES.map(() => true));
  });
});
