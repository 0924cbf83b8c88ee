import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RoomEvent } from '../shared/protocol/index.js';
import { newUser } from '../test/support/api.js';
import { eventually } from '../test/support/binaries.js';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';
import { migrate } from './store/migrate.js';
import { createPgliteClient } from './store/pglite-client.js';
import { SqlStore } from './store/sql-store.js';

/** Three instances on one database, joined through the real Redis under a key prefix of their own. */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let instances: TestServer[] = [];
let store: SqlStore;

beforeAll(async () => {
  const sql = await createPgliteClient(undefined);
  await migrate(sql);
  store = new SqlStore(sql);
  const redis = { url: REDIS_URL, prefix: `test-${randomUUID().slice(0, 8)}:` };
  instances = await Promise.all([0, 1, 2].map(() => startTestServer({ store, redis, positionCheckMs: 500 })));
});
afterAll(async () => {
  for (const i of instances) await i.stop();
  await store.close();
});

const url = (i: number) => (instances[i] as TestServer).url;

/** Polls an asynchronous check until it answers true. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('instances joined through Redis', () => {
  it('delivers a message sent through one instance to subscribers on the others, in order, exactly once', async () => {
    const alice = await newUser(url(0), 'alice');
    const bob = await newUser(url(1), 'bob');
    const carol = await newUser(url(2), 'carol');
    const room = (await alice.api.createRoom({ name: `r${randomUUID().slice(0, 8)}` })).room;
    await bob.api.join(room.id);
    await carol.api.join(room.id);
    const got = new Map<string, RoomEvent[]>([['bob', []], ['carol', []]]);
    for (const [name, user] of [['bob', bob], ['carol', carol]] as const) {
      user.live.on('event', (e) => got.get(name)?.push(e));
      user.live.watch(room.id, (await user.api.room(room.id)).headSeq);
      user.live.start();
    }
    await eventually(() => (bob.live.state.status === 'connected' && carol.live.state.status === 'connected' ? true : undefined), 'the sockets');
    alice.live.start();
    const sent = await Promise.all(Array.from({ length: 100 }, (_, i) => alice.live.send(room.id, `m${i}`)));
    const last = Math.max(...sent.map((a) => a.seq));
    for (const name of ['bob', 'carol']) {
      await eventually(() => (got.get(name)?.at(-1)?.seq === last ? true : undefined), `${name} to receive everything`);
      const seqs = (got.get(name) ?? []).map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length);
      expect((got.get(name) ?? []).filter((e) => e.kind === 'message')).toHaveLength(100);
    }
    for (const u of [alice, bob, carol]) u.live.stop();
  });

  it('carries presence and typing across instances, and cuts a kicked member off everywhere', async () => {
    const alice = await newUser(url(0), 'alice');
    const bob = await newUser(url(2), 'bob');
    const room = (await alice.api.createRoom({ name: `r${randomUUID().slice(0, 8)}` })).room;
    await bob.api.join(room.id);
    const typing: string[] = [];
    let removed = false;
    bob.live.on('typing', (f) => typing.push(`${f.user.username}:${f.state}`));
    bob.live.on('removed', () => (removed = true));
    bob.live.watch(room.id, (await bob.api.room(room.id)).headSeq);
    bob.live.start();
    await eventually(() => (bob.live.state.status === 'connected' ? true : undefined), 'bob connected on instance 3');
    // Instance 1 sees that Bob, connected to instance 3, is online.
    await until(async () => (await alice.api.members(room.id)).find((m) => m.user.id === bob.session.user.id)?.online === true, 'bob online');

    alice.live.watch(room.id, (await alice.api.room(room.id)).headSeq);
    alice.live.start();
    await eventually(() => (alice.live.state.status === 'connected' ? true : undefined), 'alice connected on instance 1');
    await new Promise((r) => setTimeout(r, 200));
    alice.live.typing(room.id, 'start');
    await eventually(() => (typing.includes(`${alice.session.user.username}:start`) ? true : undefined), 'the typing on instance 3');

    await alice.api.kick(room.id, bob.session.user.username);
    await eventually(() => (removed ? true : undefined), 'bob cut off on instance 3');
    bob.live.stop();
    await until(async () => (await alice.api.members(room.id)).length === 1, 'one member left');
    alice.live.stop();
  });

  it('tells a user on another instance that someone opened a direct-message room with them', async () => {
    const alice = await newUser(url(0), 'alice');
    const bob = await newUser(url(2), 'bob');
    let told = 0;
    bob.live.on('rooms', () => (told += 1));
    bob.live.start();
    await eventually(() => (bob.live.state.status === 'connected' ? true : undefined), 'bob connected on instance 3');
    const { room } = await alice.api.directMessage(bob.session.user.username);
    await eventually(() => (told > 0 ? true : undefined), "the 'rooms' frame on instance 3");
    expect((await bob.api.rooms()).map((r) => r.id)).toContain(room.id);
    bob.live.stop();
  });

  it('counts a REST rate limit of N across the instances: exactly N pass', async () => {
    // Three more instances whose sign-in limit is 5 a minute, counting in a Redis namespace of their own.
    const redis = { url: REDIS_URL, prefix: `test-${randomUUID().slice(0, 8)}:` };
    const limited = await Promise.all([0, 1, 2].map(() => startTestServer({ store, redis, authRateLimit: 5 })));
    const codes: number[] = [];
    for (let i = 0; i < 9; i++) {
      const res = await fetch(`${(limited[i % 3] as TestServer).url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'nobody-at-all', password: 'wrong password' }),
      });
      codes.push(res.status);
    }
    for (const l of limited) await l.stop();
    expect(codes.filter((c) => c === 401)).toHaveLength(5);
    expect(codes.filter((c) => c === 429)).toHaveLength(4);
  });

  it('serves a WebSocket ticket once, whichever instance redeems it', async () => {
    const alice = await newUser(url(0), 'alice');
    const { ticket } = await alice.api.wsTicket();
    const open = (i: number) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${url(i).replace('http', 'ws')}/ws?ticket=${ticket}`, { headers: { origin: url(i) } });
        ws.once('open', () => {
          ws.close();
          resolve(101);
        });
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      });
    expect(await open(1)).toBe(101);
    expect(await open(2)).toBe(401);
  });
});
