import { randomUUID } from 'node:crypto';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer, tempDir } from '../support/binaries.js';
import type { ServerProcess } from '../support/binaries.js';
import { ADMIN_DATABASE_URL, createTestDatabase } from '../support/postgres.js';
import { startPrivateRedis } from '../support/redis.js';

// Each server gives up after 3 s; the test's own SIGKILL comes only after 20 s, so a server that
// stops by itself is told apart from one the test had to kill.
const SHUTDOWN = { CHAT_SHUTDOWN_TIMEOUT_MS: '3000' };

let server: ServerProcess | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await server?.stop({ graceMs: 1_000 });
  server = undefined;
});

/**
 * A TCP proxy to PostgreSQL that the test can freeze, as an unreachable host or a stopped database
 * would look: connections stay open, nothing comes back, and new ones are never answered.
 */
async function startProxy(target: { host: string; port: number }): Promise<{ port: number; freeze: () => void; close: () => Promise<void> }> {
  const open = new Set<Socket>();
  let frozen = false;
  const proxy: Server = createServer((client) => {
    open.add(client);
    client.on('error', () => undefined);
    client.once('close', () => open.delete(client));
    if (frozen) return;
    const upstream = connect(target.port, target.host);
    open.add(upstream);
    upstream.on('error', () => undefined);
    upstream.once('close', () => open.delete(upstream));
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    port: (proxy.address() as AddressInfo).port,
    freeze: () => {
      frozen = true;
      for (const s of open) {
        s.unpipe();
        s.pause();
      }
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => proxy.close(() => resolve()));
      for (const s of open) s.destroy();
      await closed;
    },
  };
}

/**
 * A signed-in user with a socket subscribed to a room of theirs, the state a stop has to unwind; and
 * a way for them to send a message.
 */
async function connectUser(url: string): Promise<{ send: (body: string) => Promise<unknown> }> {
  const post = async (path: string, body: unknown, token?: string) =>
    (await fetch(`${url}/api/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    }).then((r) => r.json())) as any;
  const session = await post('/auth/register', { username: `sd${randomUUID().slice(0, 8)}`, password: 'correct horse battery' });
  const { room } = await post('/rooms', { name: `sd-${randomUUID().slice(0, 8)}` }, session.tokens.accessToken);
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${session.tokens.accessToken}` } });
  sockets.push(ws);
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (data) => JSON.parse(data.toString()).type === 'subscribed' && resolve());
    ws.once('open', () => ws.send(JSON.stringify({ type: 'subscribe', rooms: [{ roomId: room.id, sinceSeq: 0 }] })));
    ws.once('error', reject);
  });
  return { send: (body) => post(`/rooms/${room.id}/messages`, { clientMsgId: randomUUID(), body }, session.tokens.accessToken) };
}

describe('chat-server stops on SIGTERM whatever its dependencies are doing', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  });

  it('exits when its Redis has gone away, saying what it gave up on', async () => {
    const redis = await startPrivateRedis();
    cleanups.push(redis.stop);
    server = await startServer({ dataDir: await tempDir('sd-redis'), env: { REDIS_URL: redis.url, ...SHUTDOWN } });
    await connectUser(server.url);
    await redis.stop();
    const code = await server.stop({ graceMs: 20_000 });
    expect(server.proc.signalCode, 'the test had to SIGKILL it').toBeNull();
    expect(code).toBe(1);
    expect(server.output()).toMatch(/giving up on some steps/);
  }, 60_000);

  it('exits when its PostgreSQL has gone away', async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const admin = new URL(ADMIN_DATABASE_URL);
    const proxy = await startProxy({ host: admin.hostname, port: Number(admin.port || 5432) });
    cleanups.unshift(proxy.close);
    const url = new URL(db.url);
    url.port = String(proxy.port);
    server = await startServer({ dataDir: await tempDir('sd-pg'), env: { DATABASE_URL: url.toString(), ...SHUTDOWN } });
    const user = await connectUser(server.url);
    proxy.freeze();
    // A request that now waits on the database forever, as requests do when it goes away mid-flight.
    const pending = user.send('sent as the database went away').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1_000));
    const code = await server.stop({ graceMs: 20_000 });
    expect(server.proc.signalCode, 'the test had to SIGKILL it').toBeNull();
    expect(code).toBe(1);
    expect(server.output()).toMatch(/giving up on some steps/);
    await pending;
  }, 60_000);

  it('exits 0 after a clean stop', async () => {
    // The default budget (10 s): closing the embedded database on its thread (a checkpoint) can take
    // more than its share of the 3 s the other cases use to show the bound.
    server = await startServer({ dataDir: await tempDir('sd-clean') });
    // It says where it listens: the address it was given (--host 127.0.0.1), not "localhost".
    expect(server.output()).toMatch(new RegExp(`listening on http://127\\.0\\.0\\.1:${server.port}`));
    await connectUser(server.url);
    expect(await server.stop()).toBe(0);
    expect(server.output()).toMatch(/"msg":"stopped"/);
    // Sockets closing as it stops touch no store that is closing under them: nothing to warn about.
    expect(server.output()).not.toMatch(/"level":(40|50)/);
  }, 90_000);
});
