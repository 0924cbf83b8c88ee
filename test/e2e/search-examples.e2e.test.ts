import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchHit } from '../../shared/protocol/index.js';
import type { ServerProcess } from '../support/binaries.js';
import { chat, startServer, tempDir, userEnv } from '../support/binaries.js';
import { createTestDatabase } from '../support/postgres.js';
import { relevanceSet } from '../support/search-relevance.js';

const PASSWORD = 'correct horse battery staple\n';

/** Every example query of issue 18 in the relevance set, with the messages it must and must not find. */
const examples = relevanceSet.queries.filter((q) => q.example);
const used = new Set(examples.flatMap((q) => [...q.mustFind, ...q.mustNotFind]));
const messages = relevanceSet.messages.filter((m) => used.has(m.id));

describe('the search examples with the binaries: an open room (the server) and a private room (the device) find the same', () => {
  let server: ServerProcess;
  let db: { url: string; drop: () => Promise<void> };
  let alice: Record<string, string>;
  /** Message text → the relevance set's id. */
  const idOf = new Map(messages.map((m) => [m.text, m.id]));

  beforeAll(async () => {
    const dir = await tempDir('search-examples');
    // A fresh data dir and database, on a random port.
    db = await createTestDatabase();
    server = await startServer({ dataDir: join(dir, 'data'), env: { DATABASE_URL: db.url } });
    alice = userEnv(join(dir, 'alice'), server.url);
    expect((await chat(alice, ['register', 'alice', '--password-stdin'], PASSWORD)).code).toBe(0);
    expect((await chat(alice, ['create', 'open-room'])).code).toBe(0);
    expect((await chat(alice, ['create', 'sealed', '--private'])).code).toBe(0);
    // A few sends at a time (the order does not matter here: only which messages each query finds).
    const sends = messages.flatMap((m) => ['open-room', 'sealed'].map((room) => () => chat(alice, ['send', room], m.text)));
    for (let i = 0; i < sends.length; i += 4) {
      for (const sent of await Promise.all(sends.slice(i, i + 4).map((send) => send()))) expect(sent.code, sent.stderr).toBe(0);
    }
  }, 1_200_000);

  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  /**
   * When the two rooms disagree, what the device knows of the messages the private room missed: the
   * search's own notes (keys still waiting) and how `chat read` shows each of them, so a failure says
   * whether the message was not stored, not opened, or not matched.
   */
  async function diagnose(open: string[], sealed: string[], searchStderr: string): Promise<string> {
    const missing = open.filter((id) => !sealed.includes(id));
    if (missing.length === 0) return '';
    const read = await chat(alice, ['--json', 'read', 'sealed', '--limit', '500']);
    const texts = missing.map((id) => messages.find((m) => m.id === id)?.text ?? id);
    // The lines that show a missing text, and every message that did not open.
    const shown = read.stdout.split('\n').filter((line) => texts.some((t) => line.includes(JSON.stringify(t).slice(1, -1))) || (line.includes('"decrypted"') && !line.includes('"status":"ok"')));
    return ` — missing ${missing.join(', ')}; search notes: ${JSON.stringify(searchStderr)}; chat read sealed (code ${read.code}): ${shown.length > 0 ? shown.join(' | ') : `no line with the text; stderr ${JSON.stringify(read.stderr)}, ${read.stdout.split('\n').length} lines`}`;
  }

  it.each(examples.map((q) => [q.query, q] as const))('%s', async (_query, q) => {
    const r = await chat(alice, ['--json', 'search', '--limit', '50', '--', q.query]);
    expect(r.code, r.stderr).toBe(0);
    const hits = (JSON.parse(r.stdout) as { hits: SearchHit[] }).hits;
    const found = (room: string) => hits.filter((h) => h.roomName === room).map((h) => idOf.get(h.snippet.text) ?? `?${h.snippet.text}`);
    const open = found('open-room');
    const sealed = found('sealed');
    expect(open, 'must find (open room)').toEqual(expect.arrayContaining([...q.mustFind]));
    expect(open.filter((id) => q.mustNotFind.includes(id)), 'must not find (open room)').toEqual([]);
    expect([...sealed].sort(), `the private room finds what the open room finds${await diagnose(open, sealed, r.stderr)}`).toEqual([...open].sort());
    // Highlighted: every hit says why it matched.
    for (const h of hits) expect(h.snippet.highlights.length, h.snippet.text).toBeGreaterThan(0);
  }, 60_000);
});
