// The embedded database's cost of one sent message: the CPU spent per message appended through
// `Store.appendMessages` on in-memory PGlite, in batches as the AppendBatcher sends them (sorted by room).
// Its CPU time, not its wall time, so that a loaded machine matters less.
//
//   node dist-bench/append-cost.js [batch size, default 6] [rooms, default 10] [messages, default 3000]
//
// APPEND_COST_DB: `thread` (default) runs PGlite on this thread (the database's WebAssembly, the driver,
// the store's mapping and the search terms all on it); `worker` runs it on a worker thread from the
// built dist/server/pglite-worker.js, as the server does, so that the event loop's part and the whole
// process's can be told apart. APPEND_COST_BODY: `bench` (default) the load generator's body, `sentences`
// chat sentences of 6–15 words in English, German, French and Spanish, whose search terms need language
// detection (see toTsvector).
//
// One JSON line: { batch, rooms, messages, db, body, cpuMicrosPerMessage, eventLoopCpuMicrosPerMessage,
// termsMicrosPerMessage }: the whole process's CPU (every thread), this thread's alone (from
// /proc/self/task/<pid>/schedstat; null where there is none), and the part spent making the search
// terms (`toTsvector`) of such bodies, measured apart on this thread.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { toTsvector } from '../shared/search/tokens.js';
import { migrate } from '../server/store/migrate.js';
import { createPgliteClient } from '../server/store/pglite-client.js';
import { createPgliteWorkerClient } from '../server/store/pglite-worker-client.js';
import { SqlStore } from '../server/store/sql-store.js';
import type { NewMessage } from '../server/store/store.js';

/** The load generator's body: a marker with a send time, padded to about 80 characters. */
const benchBody = (i: number) => `~Q~${1_000_000_000 + i}~${'x'.repeat(64)}`;

/** Chat sentences whose words mostly stem differently by language, so toTsvector detects each one's. */
const SENTENCES = [
  'the server is deploying the release to staging right now, please hold your merges',
  'I think the failing test is flaky, it passed twice on my machine this morning',
  'can someone review my pull request before lunch? it only touches the search code',
  'Der Server läuft wieder, die Tests sind grün und das Release ist fertig',
  'Kannst du bitte die Konfiguration prüfen, bevor wir heute Abend ausrollen?',
  'Le serveur redémarre après la mise à jour, les connexions reviennent une par une',
  'Je pense que la base de données est trop lente depuis la migration de hier',
  'El servidor se reinicia después de la actualización y vuelve en unos minutos',
  'Necesitamos revisar los registros antes de publicar la nueva versión mañana',
  'meeting moved to three, the dashboard numbers look much better after the fix',
];
const sentenceBody = (i: number) => SENTENCES[i % SENTENCES.length] as string;

/** This thread's CPU time in µs (the event loop's), from the kernel's scheduler statistics; null off Linux. */
function eventLoopCpuMicros(): number | null {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const [batch, rooms, total] = [Number(process.argv[2] ?? 6), Number(process.argv[3] ?? 10), Number(process.argv[4] ?? 3000)];
  const db = process.env.APPEND_COST_DB === 'worker' ? 'worker' : 'thread';
  const bodyKind = process.env.APPEND_COST_BODY === 'sentences' ? 'sentences' : 'bench';
  const body = bodyKind === 'sentences' ? sentenceBody : benchBody;
  const sql = db === 'worker' ? await createPgliteWorkerClient(undefined, new URL('../dist/server/pglite-worker.js', import.meta.url)) : await createPgliteClient(undefined);
  await migrate(sql);
  const store = new SqlStore(sql);
  const made = await store.createUserWithDevice({ id: randomUUID(), username: 'bench', passwordHash: 'h' }, { id: randomUUID(), name: 'd' }, { id: randomUUID(), refreshToken: { tokenHash: randomUUID(), expiresAt: new Date(Date.now() + 60_000) } });
  if (!made.ok) throw new Error(made.conflict);
  const sender = made.value.user;
  const roomIds: string[] = [];
  for (let r = 0; r < rooms; r++) {
    const room = await store.createRoom({ id: randomUUID(), name: `bench-${r}`, topic: '', visibility: 'open', ownerId: sender.id, joinEventId: randomUUID() });
    if (!room.ok) throw new Error(room.conflict);
    roomIds.push(room.value.room.id);
  }
  let sent = 0;
  const nextBatch = (): NewMessage[] =>
    Array.from({ length: batch }, () => {
      const i = sent++;
      return { id: randomUUID(), roomId: roomIds[i % rooms] as string, sender, clientMsgId: randomUUID(), body: body(i), envelope: null };
    }).sort((a, b) => (a.roomId < b.roomId ? -1 : a.roomId > b.roomId ? 1 : 0));
  // Warm up: plans cached, the WebAssembly compiled.
  for (let i = 0; i < 300 / batch; i++) await store.appendMessages(nextBatch());
  const cpu0 = process.cpuUsage();
  const loop0 = eventLoopCpuMicros();
  let measured = 0;
  while (measured < total) {
    const results = await store.appendMessages(nextBatch());
    if (!results.every((r) => r.ok)) throw new Error('an append was refused');
    measured += batch;
  }
  const cpu = process.cpuUsage(cpu0);
  const loop1 = eventLoopCpuMicros();
  const terms0 = process.cpuUsage();
  for (let i = 0; i < total; i++) toTsvector(body(sent + i));
  const terms = process.cpuUsage(terms0);
  await store.close();
  process.stdout.write(
    JSON.stringify({
      batch,
      rooms,
      messages: measured,
      db,
      body: bodyKind,
      cpuMicrosPerMessage: (cpu.user + cpu.system) / measured,
      eventLoopCpuMicrosPerMessage: loop0 === null || loop1 === null ? null : (loop1 - loop0) / measured,
      termsMicrosPerMessage: (terms.user + terms.system) / total,
    }) + '\n',
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`append cost: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
