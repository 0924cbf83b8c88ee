import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { REFRESH_ANSWER_TIMEOUT_MS, REFRESH_LOST_ANSWER_RETRIES, ServerFrame } from '../shared/protocol/index.js';
import type { Session } from '../shared/protocol/index.js';
import { REFRESH_GRACE_MS } from './services/auth-service.js';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';

let t: TestServer;
/** How far the server's clock is ahead of the real one, to step past the refresh grace. */
let clockAheadMs = 0;
beforeAll(async () => {
  t = await startTestServer({ now: () => Date.now() + clockAheadMs });
});
afterAll(async () => {
  await t.stop();
});

async function api(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${t.url}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function register(prefix: string): Promise<Session> {
  const r = await api('POST', '/auth/register', { username: `${prefix}${randomUUID().slice(0, 6)}`, password: 'correct horse battery' });
  expect(r.status).toBe(201);
  return r.body as Session;
}

/** A socket that records every frame (batches flattened to events). */
async function connect(token: string) {
  const ws = new WebSocket(`${t.url.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
  const frames: any[] = [];
  const waiters: { pred: (f: any) => boolean; resolve: (f: any) => void }[] = [];
  ws.on('message', (data) => {
    const frame = ServerFrame.parse(JSON.parse(data.toString()));
    const list = frame.type === 'batch' ? frame.events.map((event) => ({ type: 'event', event })) : [frame];
    for (const f of list) {
      frames.push(f);
      for (const w of [...waiters]) if (w.pred(f)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(f); }
    }
  });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const next = (pred: (f: any) => boolean) =>
    new Promise<any>((resolve) => {
      const found = frames.find(pred);
      if (found) resolve(found);
      else waiters.push({ pred, resolve });
    });
  return { ws, frames, next };
}

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('REST and WebSocket end to end, in process', () => {
  it('registers, refuses a taken name in any case, and signs in', async () => {
    const name = `Dora${randomUUID().slice(0, 6)}`;
    expect((await api('POST', '/auth/register', { username: name, password: 'password123' })).status).toBe(201);
    const again = await api('POST', '/auth/register', { username: name.toLowerCase(), password: 'password123' });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'username_taken' } } });
    const wrong = await api('POST', '/auth/login', { username: name, password: 'nope-nope' });
    expect(wrong).toMatchObject({ status: 401, body: { error: { code: 'invalid_credentials' } } });
    const ok = await api('POST', '/auth/login', { username: name.toUpperCase(), password: 'password123' });
    expect(ok.status).toBe(200);
    expect(ok.body.user.username).toBe(name);
  });

  // `bob_` could be registered next to `bob`.
  it('refuses a look-alike of a taken name with 409 username_taken, naming the name it is like', async () => {
    const name = `Ema${randomUUID().slice(0, 6)}`;
    expect((await api('POST', '/auth/register', { username: name, password: 'password123' })).status).toBe(201);
    for (const alike of [`${name}_`, `${name.toLowerCase()}.`, `${name.slice(0, 3)}-${name.slice(3)}`]) {
      const refused = await api('POST', '/auth/register', { username: alike, password: 'password123' });
      expect(refused).toMatchObject({ status: 409, body: { error: { code: 'username_taken' } } });
      expect(refused.body.error.message).toBe(
        `the username "${alike}" is too like "${name}", which is taken: names that differ only in case, in ".", "_" and "-", in 0 for o, or in I, i, l and 1 for one another count as the same name`,
      );
    }
  });

  it('validates bodies with field-level errors', async () => {
    const r = await api('POST', '/auth/register', { username: 'a', password: 'x' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_request');
    expect(r.body.error.message).toMatch(/username/);
  });

  it('answers a compressed body that does not decompress with 400, one too large with 413, and reads a good one', async () => {
    const post = async (encoding: string, body: Buffer) => {
      const res = await fetch(`${t.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body: new Uint8Array(body) });
      return { status: res.status, body: await res.json() };
    };
    const garbage = Buffer.from('this is not compressed at all');
    for (const encoding of ['gzip', 'deflate', 'br']) {
      expect(await post(encoding, garbage)).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    }
    // Cut short: the stream ends inside the compressed data.
    expect(await post('gzip', gzipSync(JSON.stringify({ username: 'nobody', password: 'x'.repeat(64) })).subarray(0, 20))).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request' } },
    });
    expect(await post('gzip', gzipSync(Buffer.alloc(1024 * 1024, 0x20)))).toMatchObject({ status: 413, body: { error: { code: 'message_too_large' } } });
    expect(await post('zstd', garbage)).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    expect(await post('gzip', gzipSync(JSON.stringify({ username: 'nobody-here', password: 'wrong password' })))).toMatchObject({
      status: 401,
      body: { error: { code: 'invalid_credentials' } },
    });
  });

  it('rotates refresh tokens and revokes the family when an old one is reused', async () => {
    const s = await register('rot');
    const first = await api('POST', '/auth/refresh', { refreshToken: s.tokens.refreshToken });
    expect(first.status).toBe(200);
    clockAheadMs += REFRESH_GRACE_MS + 1_000;
    const reuse = await api('POST', '/auth/refresh', { refreshToken: s.tokens.refreshToken });
    expect(reuse).toMatchObject({ status: 401, body: { error: { code: 'session_revoked' } } });
    // The legitimate newer token dies with its family.
    const newer = await api('POST', '/auth/refresh', { refreshToken: first.body.refreshToken });
    expect(newer).toMatchObject({ status: 401, body: { error: { code: 'session_revoked' } } });
  });

  it('answers a refresh whose answer was lost (a stalled server, the client gave up) again when asked well after 10 s', async () => {
    const s = await register('lost');
    // Answered, but only after the client's timeout: the client never saw it and still holds the old token.
    const lost = await api('POST', '/auth/refresh', { refreshToken: s.tokens.refreshToken });
    expect(lost.status).toBe(200);
    // The server stalled again through the client's retries: it asks again after all of them.
    clockAheadMs += (1 + REFRESH_LOST_ANSWER_RETRIES) * REFRESH_ANSWER_TIMEOUT_MS + 3_000;
    const again = await api('POST', '/auth/refresh', { refreshToken: s.tokens.refreshToken });
    expect(again).toMatchObject({ status: 200, body: { refreshToken: lost.body.refreshToken, accessToken: lost.body.accessToken } });
    const next = await api('POST', '/auth/refresh', { refreshToken: again.body.refreshToken });
    expect(next.status).toBe(200);
  });

  it('closes the sockets of a session whose refresh token was reused', async () => {
    const s = await register('sock');
    const c = await connect(s.tokens.accessToken);
    await c.next((f) => f.type === 'ready');
    const closed = new Promise<number>((resolve) => c.ws.once('close', (code) => resolve(code)));
    await api('POST', '/auth/refresh', { refreshToken: s.tokens.refreshToken });
    clockAheadMs += REFRESH_GRACE_MS + 1_000;
    await api('POST', '/auth/refresh', { refreshToken: s.tokens.refreshToken });
    expect(await closed).toBe(4001);
  });

  it('refuses a WebSocket upgrade without a valid token, and accepts a one-time ticket once', async () => {
    const bad = new WebSocket(`${t.url.replace('http', 'ws')}/ws`, { headers: { authorization: 'Bearer nope' } });
    const status = await new Promise<number>((resolve) => bad.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);
    const s = await register('tick');
    const { body } = await api('POST', '/auth/ws-ticket', undefined, s.tokens.accessToken);
    const ok = new WebSocket(`${t.url.replace('http', 'ws')}/ws?ticket=${body.ticket}`);
    await new Promise((resolve, reject) => { ok.once('open', resolve); ok.once('error', reject); });
    ok.close();
    const replay = new WebSocket(`${t.url.replace('http', 'ws')}/ws?ticket=${body.ticket}`);
    expect(await new Promise<number>((resolve) => replay.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)))).toBe(401);
  });

  it('delivers live messages in order, exactly once, with idempotent sends and member events', async () => {
    const alice = await register('alice');
    const bob = await register('bob');
    const name = `room-${randomUUID().slice(0, 8)}`;
    const created = await api('POST', '/rooms', { name, topic: 'testing' }, alice.tokens.accessToken);
    expect(created.status).toBe(201);
    const roomId = created.body.room.id as string;
    expect((await api('POST', `/rooms/${name}/messages`, { clientMsgId: randomUUID(), body: 'hi' }, bob.tokens.accessToken)).body.error.code).toBe('forbidden');
    expect((await api('POST', `/rooms/${name}/join`, undefined, bob.tokens.accessToken)).body.event.kind).toBe('join');

    const b = await connect(bob.tokens.accessToken);
    b.ws.send(JSON.stringify({ type: 'subscribe', rooms: [{ roomId, sinceSeq: 0 }] }));
    const sub = await b.next((f) => f.type === 'subscribed');
    expect(sub).toMatchObject({ roomId, headSeq: 2, recovered: true });
    expect(b.frames.filter((f) => f.type === 'event').map((f) => f.event.seq)).toEqual([1, 2]);

    const a = await connect(alice.tokens.accessToken);
    const ids = Array.from({ length: 30 }, () => randomUUID());
    for (const [i, clientMsgId] of ids.entries()) a.ws.send(JSON.stringify({ type: 'send', roomId, clientMsgId, body: `m${i}` }));
    a.ws.send(JSON.stringify({ type: 'send', roomId, clientMsgId: ids[0], body: 'm0' })); // a retry
    await b.next((f) => f.type === 'event' && f.event.body === 'm29');
    await waitFor(() => a.frames.filter((f) => f.type === 'ack').length === 31);
    const retried = a.frames.filter((f) => f.type === 'ack' && f.clientMsgId === ids[0]);
    expect(retried).toHaveLength(2);
    expect(retried[0].seq).toBe(retried[1].seq);
    const bodies = b.frames.filter((f) => f.type === 'event' && f.event.kind === 'message').map((f) => f.event.body);
    expect(bodies).toEqual(ids.map((_, i) => `m${i}`));

    const page = await api('GET', `/rooms/${roomId}/messages?limit=5`, undefined, bob.tokens.accessToken);
    expect(page.body.events.map((e: any) => e.seq)).toEqual([28, 29, 30, 31, 32]);
    expect(page.body.hasMore).toBe(true);

    // Bob leaves: he sees his own leave, then is cut; nothing later reaches him.
    await api('POST', `/rooms/${roomId}/leave`, undefined, bob.tokens.accessToken);
    await b.next((f) => f.type === 'unsubscribed' && f.reason === 'removed');
    a.ws.send(JSON.stringify({ type: 'subscribe', rooms: [{ roomId, sinceSeq: 33 }] }));
    await a.next((f) => f.type === 'subscribed');
    await api('POST', `/rooms/${roomId}/messages`, { clientMsgId: randomUUID(), body: 'after' }, alice.tokens.accessToken);
    await a.next((f) => f.type === 'event' && f.event.body === 'after');
    expect(b.frames.some((f) => f.type === 'event' && f.event.body === 'after')).toBe(false);
    expect((await api('GET', `/rooms/${roomId}/messages`, undefined, bob.tokens.accessToken)).status).toBe(403);
    a.ws.close();
    b.ws.close();
  });

  it('resumes from sinceSeq with only what was missed, and answers recovered:false past the backfill limit', async () => {
    const s = await register('resume');
    const name = `resume-${randomUUID().slice(0, 8)}`;
    const roomId = (await api('POST', '/rooms', { name }, s.tokens.accessToken)).body.room.id;
    for (let i = 0; i < 3; i++) await api('POST', `/rooms/${roomId}/messages`, { clientMsgId: randomUUID(), body: `r${i}` }, s.tokens.accessToken);
    const c = await connect(s.tokens.accessToken);
    c.ws.send(JSON.stringify({ type: 'subscribe', rooms: [{ roomId, sinceSeq: 2 }] }));
    await c.next((f) => f.type === 'subscribed');
    expect(c.frames.filter((f) => f.type === 'event').map((f) => f.event.seq)).toEqual([3, 4]);
    c.ws.close();

    const big = `big-${randomUUID().slice(0, 8)}`;
    const bigId = (await api('POST', '/rooms', { name: big }, s.tokens.accessToken)).body.room.id;
    await t.store.appendMessages(Array.from({ length: 510 }, (_, i) => ({ id: randomUUID(), roomId: bigId, sender: s.user, clientMsgId: randomUUID(), body: `b${i}`, envelope: null })));
    const d = await connect(s.tokens.accessToken);
    d.ws.send(JSON.stringify({ type: 'subscribe', rooms: [{ roomId: bigId, sinceSeq: 0 }] }));
    expect(await d.next((f) => f.type === 'subscribed')).toMatchObject({ recovered: false, headSeq: 511 });
    expect(d.frames.some((f) => f.type === 'event')).toBe(false);
    d.ws.close();
  });

  it('answers bad frames with error frames and refuses too-long messages with their own code', async () => {
    const s = await register('frames');
    const roomId = (await api('POST', '/rooms', { name: `f-${randomUUID().slice(0, 8)}` }, s.tokens.accessToken)).body.room.id;
    const c = await connect(s.tokens.accessToken);
    c.ws.send('not json');
    expect(await c.next((f) => f.type === 'error')).toMatchObject({ code: 'invalid_request' });
    const clientMsgId = randomUUID();
    c.ws.send(JSON.stringify({ type: 'send', roomId, clientMsgId, body: 'x'.repeat(16_001) }));
    expect(await c.next((f) => f.type === 'error' && f.ref === clientMsgId)).toMatchObject({ code: 'message_too_large' });
    c.ws.close();
  });

  it('shows typing and presence to the other members', async () => {
    const a = await register('ta');
    const b = await register('tb');
    const name = `t-${randomUUID().slice(0, 8)}`;
    const roomId = (await api('POST', '/rooms', { name }, a.tokens.accessToken)).body.room.id;
    await api('POST', `/rooms/${name}/join`, undefined, b.tokens.accessToken);
    const cb = await connect(b.tokens.accessToken);
    cb.ws.send(JSON.stringify({ type: 'subscribe', rooms: [{ roomId, sinceSeq: 0 }] }));
    await cb.next((f) => f.type === 'subscribed');
    const ca = await connect(a.tokens.accessToken);
    expect(await cb.next((f) => f.type === 'presence')).toMatchObject({ user: { id: a.user.id }, status: 'online' });
    ca.ws.send(JSON.stringify({ type: 'subscribe', rooms: [{ roomId, sinceSeq: 2 }] }));
    await ca.next((f) => f.type === 'subscribed');
    ca.ws.send(JSON.stringify({ type: 'typing', roomId, state: 'start' }));
    expect(await cb.next((f) => f.type === 'typing')).toMatchObject({ user: { id: a.user.id }, state: 'start' });
    const members = await api('GET', `/rooms/${name}/members`, undefined, b.tokens.accessToken);
    expect(members.body.members.find((m: any) => m.user.id === a.user.id).online).toBe(true);
    ca.ws.close();
    expect(await cb.next((f) => f.type === 'typing' && f.state === 'stop')).toMatchObject({ user: { id: a.user.id } });
    expect(await cb.next((f) => f.type === 'presence' && f.status === 'offline')).toMatchObject({ user: { id: a.user.id } });
    cb.ws.close();
  });
});
