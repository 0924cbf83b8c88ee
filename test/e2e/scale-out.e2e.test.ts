import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room, RoomEvent } from '../../shared/protocol/index.js';
import { newUser } from '../support/api.js';
import { startBalancer } from '../support/balancer.js';
import type { ServerProcess } from '../support/binaries.js';
import { eventually, startServer, tempDir } from '../support/binaries.js';
import { createTestDatabase } from '../support/postgres.js';
import { startPrivateRedis } from '../support/redis.js';

const ROOMS = 3;
const PER_ROOM = 10;
const MESSAGES_EACH = 100;

/**
 * Three chat-server processes on PostgreSQL and a Redis of the test's own, behind a round-robin load
 * balancer. 30 clients in 3 rooms send 3,000 messages; one instance is killed with SIGKILL a third of
 * the way in and Redis is killed and restarted two thirds in. Every client must end with every
 * message of its room exactly once, in seq order.
 */
describe('three instances behind a load balancer, through an instance crash and a Redis restart', () => {
  const servers: ServerProcess[] = [];
  let db: { url: string; drop: () => Promise<void> };
  let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
  let balancer: Awaited<ReturnType<typeof startBalancer>>;

  beforeAll(async () => {
    const dir = await tempDir('scale');
    db = await createTestDatabase();
    redis = await startPrivateRedis();
    const env = { DATABASE_URL: db.url, REDIS_URL: redis.url, CHAT_JWT_SECRET: randomBytes(32).toString('hex'), CHAT_AUTH_RATE_LIMIT: '100000' };
    // One at a time: the first applies the migrations.
    for (let i = 0; i < 3; i++) servers.push(await startServer({ dataDir: join(dir, `data${i}`), env }));
    balancer = await startBalancer(servers.map((s) => s.port));
  }, 120_000);

  afterAll(async () => {
    await balancer?.stop();
    for (const s of servers) await s.stop();
    await redis?.stop();
    await db?.drop();
  });

  it('delivers every message to every member exactly once, in order', async () => {
    const users: Awaited<ReturnType<typeof newUser>>[] = [];
    for (let i = 0; i < ROOMS * PER_ROOM; i++) users.push(await newUser(balancer.url, `s${i}-`));
    const rooms: Room[] = [];
    for (let r = 0; r < ROOMS; r++) {
      const owner = users[r * PER_ROOM] as Awaited<ReturnType<typeof newUser>>;
      rooms.push((await owner.api.createRoom({ name: `scale-${randomUUID().slice(0, 8)}` })).room);
      for (let k = 1; k < PER_ROOM; k++) await (users[r * PER_ROOM + k] as Awaited<ReturnType<typeof newUser>>).api.join(rooms[r]!.id);
    }
    const received = users.map(() => [] as RoomEvent[]);
    let reconnects = 0;
    users.forEach((u, i) => {
      const room = rooms[Math.floor(i / PER_ROOM)]!;
      u.live.on('event', (e) => received[i]!.push(e));
      u.live.on('state', (state) => {
        if (state.status === 'reconnecting') reconnects += 1;
      });
      u.live.watch(room.id, PER_ROOM); // after the joins: seq 1 is the creator's, then nine joins
      u.live.start();
    });
    await eventually(() => (users.every((u) => u.live.state.status === 'connected') ? true : undefined), 'every client to connect', 30_000);

    let acked = 0;
    let crashed = false;
    let restarted: Promise<void> | undefined;
    const sends = users.map(async (u, i) => {
      const room = rooms[Math.floor(i / PER_ROOM)]!;
      for (let m = 0; m < MESSAGES_EACH; m++) {
        await u.live.send(room.id, `${i}:${m}`);
        acked += 1;
        if (!crashed && acked >= 1000) {
          crashed = true;
          servers[1]!.proc.kill('SIGKILL');
        }
        if (!restarted && acked >= 2000) restarted = redis.restart(500);
        await new Promise((r) => setTimeout(r, 5));
      }
    });
    await Promise.all(sends);
    await restarted;
    expect(acked).toBe(ROOMS * PER_ROOM * MESSAGES_EACH);
    // The crash happened, and the clients of the dead instance came back through the others (how many
    // were on it depends on how the balancer's round robin fell, so only "some").
    expect(servers[1]!.proc.signalCode).toBe('SIGKILL');
    expect(reconnects).toBeGreaterThan(0);

    const expected = PER_ROOM * MESSAGES_EACH;
    await eventually(
      () => (received.every((events) => events.filter((e) => e.kind === 'message').length >= expected) ? true : undefined),
      'every client to receive every message of its room',
      60_000,
    );
    received.forEach((events, i) => {
      const r = Math.floor(i / PER_ROOM);
      const seqs = events.map((e) => e.seq);
      // In order and never twice...
      for (let k = 1; k < seqs.length; k++) expect(seqs[k]).toBeGreaterThan(seqs[k - 1] as number);
      expect(events.every((e) => e.roomId === rooms[r]!.id)).toBe(true);
      // ...and nothing lost: every message of every sender of the room, once.
      const bodies = events.filter((e) => e.kind === 'message').map((e) => e.body);
      expect(bodies).toHaveLength(expected);
      const want = new Set<string>();
      for (let s = r * PER_ROOM; s < (r + 1) * PER_ROOM; s++) for (let m = 0; m < MESSAGES_EACH; m++) want.add(`${s}:${m}`);
      expect(new Set(bodies)).toEqual(want);
    });
    for (const u of users) u.live.stop();
  }, 180_000);
});
