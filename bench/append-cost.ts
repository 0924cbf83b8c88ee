// The embedded database's cost of one sent message: the CPU this process spends per message appended
// through `Store.appendMessages` on in-memory PGlite on this thread (the database's WebAssembly, the
// driver and the store's mapping, with the search terms made in Node), in batches as the AppendBatcher
// sends them (sorted by room). Its CPU time, not its wall time, so that a loaded machine matters less.
//
//   node dist-bench/append-cost.js [batch size, default 6] [rooms, default 10] [messages, default 3000]
//
// One JSON line: { batch, rooms, messages, cpuMicrosPerMessage, termsMicrosPerMessage }, where the
// second figure is the part spent making the search terms (`toTsvector`) alone, measured apart.
import { randomUUID } from 'node:crypto';
import { toTsvector } from '../shared/search/tokens.js';
import { migrate } from '../server/store/migrate.js';
import { createPgliteClient } from '../server/store/pglite-client.js';
import { SqlStore } from '../server/store/sql-store.js';
import type { NewMessage } from '../server/store/store.js';

/** The load generator's body: a marker with a send time, padded to about 80 characters. */
const body = (i: number) => `~Q~${1_000_000_000 + i}~${'x'.repeat(64)}`;

async function main(): Promise<void> {
  const [batch, rooms, total] = [Number(process.argv[2] ?? 6), Number(process.argv[3] ?? 10), Number(process.argv[4] ?? 3000)];
  const sql = await createPgliteClient(undefined);
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
  let measured = 0;
  while (measured < total) {
    const results = await store.appendMessages(nextBatch());
    if (!results.every((r) => r.ok)) throw new Error('an append was refused');
    measured += batch;
  }
  const cpu = process.cpuUsage(cpu0);
  const terms0 = process.cpuUsage();
  for (let i = 0; i < total; i++) toTsvector(body(sent + i));
  const terms = process.cpuUsage(terms0);
  await store.close();
  process.stdout.write(
    JSON.stringify({ batch, rooms, messages: measured, cpuMicrosPerMessage: (cpu.user + cpu.system) / measured, termsMicrosPerMessage: (terms.user + terms.system) / total }) + '\n',
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`append cost: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
