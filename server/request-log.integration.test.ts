import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Session } from '../shared/protocol/index.js';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';
import { operations } from './http/openapi.js';
import { migrate } from './store/migrate.js';
import { createPgliteClient } from './store/pglite-client.js';
import type { SqlClient } from './store/sql-client.js';
import { SqlStore } from './store/sql-store.js';

/** Everything the server logged, at every level. */
let log = '';
let t: TestServer;
let sql: SqlClient;
beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      log += chunk.toString();
      done();
    },
  });
  const webRoot = await mkdtemp(join(tmpdir(), 'chat-web-'));
  await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>chat</title>');
  sql = await createPgliteClient(undefined);
  await migrate(sql);
  t = await startTestServer({ logger: pino({ level: 'trace' }, sink), store: new SqlStore(sql), webRoot });
});
afterAll(async () => {
  await t?.stop();
});

async function api(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${t.url}${/^\/(api|invite|healthz|readyz)\b/.test(path) ? '' : '/api/v1'}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // HTML (the web client) or NDJSON.
  }
  return { status: res.status, body: parsed };
}

/** A path sent byte for byte (fetch would normalise a malformed escape). */
function rawGet(path: string): Promise<number> {
  const url = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end();
  });
}

const PASSWORD = `pw-${randomUUID()}`;
const BODY = `secretbody${randomUUID().replace(/-/g, '')}`;
const QUERY = `needle${randomUUID().replace(/-/g, '').slice(0, 12)}`;

describe('the request log', () => {
  it('never holds an invite token, a message body, search text or a password, on any route or error path', async () => {
    const register = async (prefix: string): Promise<Session> => {
      const r = await api('POST', '/auth/register', { username: `${prefix}${randomUUID().slice(0, 6)}`, password: PASSWORD, deviceName: 'laptop' });
      expect(r.status).toBe(201);
      return r.body as Session;
    };
    const alice = await register('alice');
    const bob = await register('bob');
    const a = alice.tokens.accessToken;
    const open = (await api('POST', '/rooms', { name: `open-${randomUUID().slice(0, 8)}`, topic: 'about things' }, a)).body.room;
    const priv = (await api('POST', '/rooms', { name: `priv-${randomUUID().slice(0, 8)}`, visibility: 'private' }, a)).body.room;

    // The happy paths that carry secrets.
    expect((await api('POST', `/rooms/${open.id}/messages`, { clientMsgId: randomUUID(), body: `${BODY} ${QUERY}` }, a)).status).toBe(201);
    expect((await api('GET', `/search?q=${QUERY}&room=${open.name}`, undefined, a)).status).toBe(200);
    const invite = (await api('POST', `/rooms/${priv.id}/invites`, {}, a)).body as { token: string; url: string };
    expect((await api('GET', `/invite/${invite.token}`)).status).toBe(200);
    expect((await api('POST', `/invites/${invite.token}/redeem`, undefined, bob.tokens.accessToken)).status).toBe(200);
    const carol = await register('carol');
    expect((await api('POST', `/invites/${invite.token}/redeem`, undefined, carol.tokens.accessToken)).status).toBe(410);
    const refreshed = await api('POST', '/auth/refresh', { refreshToken: bob.tokens.refreshToken });
    expect(refreshed.status).toBe(200);
    expect((await api('POST', '/auth/login', { username: alice.user.username, password: PASSWORD })).status).toBe(200);
    expect((await api('POST', '/auth/login', { username: alice.user.username, password: `${PASSWORD}x` })).status).toBe(401);

    // A message over the socket too.
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${a}` } });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const acked = new Promise((resolve) => ws.on('message', (data) => JSON.parse(data.toString()).type === 'ack' && resolve(undefined)));
    ws.send(JSON.stringify({ type: 'send', roomId: open.id, clientMsgId: randomUUID(), body: `${BODY} over the socket` }));
    await acked;

    // Every route of the API, with and without a token, and with a body it will refuse.
    // Signing out everywhere would end Alice's session for the rest of the test: a user of its own takes it.
    const dave = await register('dave');
    for (const op of operations()) {
      const signsOutEverywhere = op.method.toUpperCase() === 'DELETE' && op.path.endsWith('/keys/devices');
      const path = op.path
        .replace('{room}', open.id)
        .replace('{token}', invite.token)
        .replace('{user}', bob.user.username)
        .replace('{id}', randomUUID());
      for (const token of [signsOutEverywhere ? dave.tokens.accessToken : a, undefined]) {
        await api(op.method, path, op.method === 'GET' ? undefined : { body: BODY, q: QUERY, password: PASSWORD }, token);
      }
    }

    // The sweep had Alice leave the room; she comes back for what follows.
    await api('POST', `/rooms/${open.id}/join`, undefined, a);

    // Client errors: bad JSON, unknown routes, malformed escapes, control characters.
    await api('POST', `/rooms/${open.id}/messages`, `{"body": "${BODY}"`, a);
    await api('GET', '/nowhere', undefined, a);
    expect(await rawGet(`/api/v1/invites/${invite.token}%E0%A4%A/redeem`)).toBe(400);
    expect((await api('POST', `/rooms/${open.id}/messages`, { clientMsgId: randomUUID(), body: `${BODY}\u0000` }, a)).status).toBe(400);
    expect((await api('POST', `/rooms/${open.id}/messages`, { clientMsgId: randomUUID(), body: `${BODY} `.repeat(400) }, a)).status).toBe(413);
    expect((await api('POST', '/auth/register', { username: alice.user.username, password: PASSWORD })).status).toBe(409);
    expect((await api('POST', `/rooms/${priv.id}/messages`, { clientMsgId: randomUUID(), body: BODY }, a)).status).toBe(400);

    // Database errors whose statements carry a message body and search text as parameters.
    await sql.exec(`ALTER TABLE room_events ADD CONSTRAINT refuse_boom CHECK (body IS NULL OR body NOT LIKE '%boom%')`);
    expect((await api('POST', `/rooms/${open.id}/messages`, { clientMsgId: randomUUID(), body: `boom ${BODY}` }, a)).status).toBe(500);
    const refused = new Promise((resolve) => ws.on('message', (data) => JSON.parse(data.toString()).type === 'error' && resolve(undefined)));
    ws.send(JSON.stringify({ type: 'send', roomId: open.id, clientMsgId: randomUUID(), body: `boom ${BODY} over the socket` }));
    await refused;
    await sql.exec('ALTER TABLE room_events RENAME COLUMN search TO search_gone');
    expect((await api('GET', `/search?q=${QUERY}%20other`, undefined, a)).status).toBe(500);
    ws.close();

    // The log did record all of this: requests by path, and the database errors.
    expect(log).toContain('/api/v1/invites/[redacted]/redeem');
    expect(log).toContain('/invite/[redacted]');
    expect(log).toContain('refuse_boom');
    expect(log).toContain('column e.search does not exist');
    // And none of the secrets.
    expect(log).not.toContain(invite.token);
    expect(log).not.toContain(BODY);
    expect(log).not.toContain(QUERY);
    expect(log).not.toContain(PASSWORD);
    expect(log).not.toContain(alice.tokens.refreshToken);
    expect(log).not.toContain(bob.tokens.refreshToken);
    expect(log).not.toContain(a);
  });

  it('redacts an invite token whatever the case, escapes or slashes of its path, and any token-sized run', async () => {
    const token = randomBytes(32).toString('base64url');
    const escaped = [...token].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join('');
    const paths = [
      `/api/v1/INVITES/${token}/redeem`,
      `/INVITE/${token}`,
      `//invites/${token}/redeem`,
      `/api/v1//invites/${token}/redeem`,
      `/api/v1/%69nvites/${token}/redeem`,
      `/api/v1/invites/${escaped}/redeem`,
      `/nowhere/${escaped.replaceAll('%', '%25')}`,
      `/api/v1/rooms/invite%2F${token}/join`,
      `/api/v1/rooms/${token}/join`,
      `/nowhere/${token.slice(0, 20)}%2d${token.slice(20)}`,
    ];
    log = '';
    for (const path of paths) await rawGet(path);
    const uuid = randomUUID();
    await rawGet(`/api/v1/rooms/${uuid}/messages`);
    // Each request was logged, with its token redacted.
    expect(log.match(/\[redacted\]/g)?.length ?? 0).toBeGreaterThanOrEqual(paths.length);
    expect(log).not.toContain(token);
    expect(log).not.toContain(token.slice(0, 20));
    expect(log).not.toContain(token.slice(20));
    expect(log).not.toContain(escaped);
    // A UUID is no token: it stays readable.
    expect(log).toContain(`/api/v1/rooms/${uuid}/messages`);
  });
});
