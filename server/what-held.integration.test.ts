import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WS_MAX_PAYLOAD } from '../shared/protocol/index.js';
import type { Session } from '../shared/protocol/index.js';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';
import { operations } from './http/openapi.js';

// Attacks that the server withstood in the security review, kept so that it goes on withstanding them.

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

async function api(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${t.url}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function register(prefix: string): Promise<Session> {
  const r = await api('POST', '/auth/register', { username: `${prefix}${randomUUID().slice(0, 6)}`, password: 'correct horse battery' });
  expect(r.status).toBe(201);
  return r.body as Session;
}

async function connect(token: string) {
  const ws = new WebSocket(`${t.url.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
  const frames: any[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(data.toString())));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const next = async (pred: (f: any) => boolean) => {
    for (let i = 0; i < 400; i++) {
      const found = frames.find(pred);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('no such frame');
  };
  return { ws, frames, closed, next };
}

describe('what held in the security review', () => {
  it('answers a non-member the same for a private room or a direct message as for no room at all, on every room route', async () => {
    const owner = await register('own');
    const friend = await register('fr');
    const stranger = await register('str');
    const priv = (await api('POST', '/rooms', { name: `hidden-${randomUUID().slice(0, 8)}`, visibility: 'private' }, owner.tokens.accessToken)).body.room;
    const dm = (await api('POST', '/dm', { username: friend.user.username }, owner.tokens.accessToken)).body.room;
    const bodyFor = (path: string) =>
      path.endsWith('/messages') ? { clientMsgId: randomUUID(), body: 'hello' } : path.endsWith('/kick') ? { username: owner.user.username } : {};
    let checked = 0;
    for (const op of operations().filter((o) => o.path.includes('{room}'))) {
      const call = (room: string) => {
        const path = op.path.replace('/api/v1', '').replace('{room}', room).replace('{id}', randomUUID());
        return api(op.method, path, op.method === 'GET' ? undefined : bodyFor(path), stranger.tokens.accessToken);
      };
      const absentRef = randomUUID();
      const absent = await call(absentRef);
      for (const room of [priv.id, priv.name, dm.id, dm.name]) {
        const answer = await call(room);
        // The message names the room as the caller gave it, never by a name they did not give.
        expect({ route: `${op.method} ${op.path}`, status: answer.status, code: answer.body?.error?.code, message: answer.body?.error?.message }).toEqual({
          route: `${op.method} ${op.path}`,
          status: absent.status,
          code: absent.body?.error?.code,
          message: absent.body?.error?.message?.replaceAll(absentRef, room),
        });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
    // Search in one room, named by id or name.
    const absentRef = randomUUID();
    const absentSearch = await api('GET', `/search?q=hello&room=${absentRef}`, undefined, stranger.tokens.accessToken);
    for (const room of [priv.id, priv.name, dm.id, dm.name]) {
      const answer = await api('GET', `/search?q=hello&room=${encodeURIComponent(room)}`, undefined, stranger.tokens.accessToken);
      expect({ status: answer.status, error: answer.body?.error }).toEqual({
        status: absentSearch.status,
        error: { ...absentSearch.body.error, message: absentSearch.body.error.message.replaceAll(absentRef, room) },
      });
    }
    // Nor does it show in the directory or the stranger's rooms.
    const listed = [...(await api('GET', '/rooms/directory', undefined, stranger.tokens.accessToken)).body.rooms, ...(await api('GET', '/rooms', undefined, stranger.tokens.accessToken)).body.rooms];
    expect(listed.map((r: { id: string }) => r.id)).not.toContain(priv.id);
    expect(listed.map((r: { id: string }) => r.id)).not.toContain(dm.id);
    // Nor can a stranger subscribe to one, and the refusal is the one for a room that does not exist:
    // alone, each gets the same error frame as an absent room; together, one frame lists all three alike.
    const c = await connect(stranger.tokens.accessToken);
    const absentId = randomUUID();
    const refusalOf = async (roomIds: string[]) => {
      c.frames.length = 0;
      c.ws.send(JSON.stringify({ type: 'subscribe', rooms: roomIds.map((roomId) => ({ roomId, sinceSeq: 0 })) }));
      return c.next((f) => f.type === 'error' || f.type === 'subscribed');
    };
    const absentAnswer = await refusalOf([absentId]);
    expect(absentAnswer).toMatchObject({ type: 'error', ref: absentId });
    for (const roomId of [priv.id, dm.id]) {
      expect(await refusalOf([roomId])).toEqual({ ...absentAnswer, ref: roomId, roomIds: [roomId] });
    }
    const together = await refusalOf([absentId, priv.id, dm.id]);
    expect(together).toMatchObject({ type: 'error', code: absentAnswer.code });
    expect([...together.roomIds].sort()).toEqual([absentId, priv.id, dm.id].sort());
    c.ws.close();
  });

  it('refuses forged access tokens over REST and on the WebSocket upgrade', async () => {
    const s = await register('tok');
    const secret = 'test-secret-test-secret-test-secret-0123'; // test/support/server.ts
    const claims = { typ: 'access', usr: s.user.username, did: s.device.id };
    const opts = { subject: s.user.id, audience: 'chat', issuer: 'chat-server', expiresIn: 60, algorithm: 'HS256' } as const;
    const [header, payload] = s.tokens.accessToken.split('.') as [string, string, string];
    const tampered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), usr: 'someone-else' })).toString('base64url');
    const forged: [string, string][] = [
      ['garbage', 'nope'],
      ['another secret', jwt.sign(claims, 'another-secret-another-secret-0123456789', opts)],
      ['alg none', jwt.sign(claims, '', { ...opts, algorithm: 'none' })],
      ['HS512', jwt.sign(claims, secret, { ...opts, algorithm: 'HS512' })],
      ['HS384', jwt.sign(claims, secret, { ...opts, algorithm: 'HS384' })],
      ['another audience', jwt.sign(claims, secret, { ...opts, audience: 'other' })],
      ['another issuer', jwt.sign(claims, secret, { ...opts, issuer: 'evil' })],
      ['a refresh type', jwt.sign({ ...claims, typ: 'refresh' }, secret, opts)],
      ['expired', jwt.sign({ ...claims, iat: Math.floor(Date.now() / 1000) - 3600 }, secret, { ...opts, expiresIn: 60 })],
      ['not yet valid', jwt.sign(claims, secret, { ...opts, notBefore: 3600 })],
      ['no subject', jwt.sign(claims, secret, { audience: 'chat', issuer: 'chat-server', expiresIn: 60, algorithm: 'HS256' })],
      ['no device', jwt.sign({ typ: 'access', usr: s.user.username }, secret, opts)],
      ['a tampered payload', `${header}.${tampered}.${s.tokens.accessToken.split('.')[2]}`],
      ['no signature', `${header}.${payload}.`],
    ];
    expect(forged).toHaveLength(14);
    for (const [what, token] of forged) {
      const rest = await api('GET', '/me', undefined, token);
      expect({ what, status: rest.status }).toEqual({ what, status: 401 });
      const ws = new WebSocket(`${t.url.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
      const upgrade = await new Promise<number>((resolve) => {
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('open', () => resolve(101));
        ws.once('error', () => resolve(-1));
      });
      expect({ what, upgrade }).toEqual({ what, upgrade: 401 });
    }
    expect((await api('GET', '/me', undefined, s.tokens.accessToken)).status).toBe(200);
  });

  it('admits exactly one of 100 concurrent redemptions of a single-use invite', async () => {
    const owner = await register('own');
    const room = (await api('POST', '/rooms', { name: `one-${randomUUID().slice(0, 8)}`, visibility: 'private' }, owner.tokens.accessToken)).body.room;
    const invite = (await api('POST', `/rooms/${room.id}/invites`, { maxUses: 1 }, owner.tokens.accessToken)).body;
    const guests: Session[] = [];
    for (let i = 0; i < 100; i++) guests.push(await register('g'));
    const answers = await Promise.all(guests.map((g) => api('POST', `/invites/${invite.token}/redeem`, undefined, g.tokens.accessToken)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 410 && a.body.error.code === 'invite_invalid')).toHaveLength(99);
    expect((await api('GET', `/rooms/${room.id}/members`, undefined, owner.tokens.accessToken)).body.members).toHaveLength(2);
  }, 120_000);

  it('closes a socket that sends invalid UTF-8 with 1007, and one that sends an oversized frame with 1009', async () => {
    const s = await register('ws');
    const bad = await connect(s.tokens.accessToken);
    bad.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect(await bad.closed).toBe(1007);
    const big = await connect(s.tokens.accessToken);
    big.ws.send('x'.repeat(WS_MAX_PAYLOAD + 1));
    expect(await big.closed).toBe(1009);
    // The server goes on serving.
    expect((await api('GET', '/me', undefined, s.tokens.accessToken)).status).toBe(200);
  });

  it('refuses deeply nested JSON with invalid_request, over REST and over the socket', async () => {
    const s = await register('deep');
    const deep = '['.repeat(50_000) + ']'.repeat(50_000);
    expect(await api('POST', '/rooms', deep, s.tokens.accessToken)).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    const c = await connect(s.tokens.accessToken);
    c.ws.send('{"type":"send","x":' + '['.repeat(20_000) + ']'.repeat(20_000) + '}');
    expect(await c.next((f) => f.type === 'error')).toMatchObject({ code: 'invalid_request' });
    c.ws.close();
    expect((await api('GET', '/me', undefined, s.tokens.accessToken)).status).toBe(200);
  });

  it('takes __proto__ keys as data, polluting nothing', async () => {
    const s = await register('proto');
    const name = `proto-${randomUUID().slice(0, 8)}`;
    const r = await api('POST', '/rooms', `{"name":"${name}","__proto__":{"polluted":true,"visibility":"private"},"constructor":{"prototype":{"polluted":true}}}`, s.tokens.accessToken);
    expect(r.status).toBe(201);
    expect(r.body.room.visibility).toBe('open');
    const c = await connect(s.tokens.accessToken);
    c.ws.send(`{"type":"typing","roomId":"${r.body.room.id}","state":"start","__proto__":{"polluted":true}}`);
    c.ws.send('{"__proto__":{"type":"send"}}');
    expect(await c.next((f) => f.type === 'error')).toMatchObject({ code: 'invalid_request' });
    c.ws.close();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await api('GET', '/me', undefined, s.tokens.accessToken)).body.polluted).toBeUndefined();
  });

  it.each([
    "'; DROP TABLE users; --",
    '" unterminated',
    '-',
    'or or or',
    '!:*&|() <-> \\',
    "%_' OR 1=1 --",
    '$1 $2 ::text',
  ])('answers a search for %j with results, never an error', async (q) => {
    const s = await register('sq');
    const room = (await api('POST', '/rooms', { name: `sq-${randomUUID().slice(0, 8)}` }, s.tokens.accessToken)).body.room;
    await api('POST', `/rooms/${room.id}/messages`, { clientMsgId: randomUUID(), body: `drop table users or 1=1 ${q}` }, s.tokens.accessToken);
    const r = await api('GET', `/search?q=${encodeURIComponent(q)}&room=${room.name}`, undefined, s.tokens.accessToken);
    expect(r.status).toBe(200);
    expect(Array.isArray(r.body.hits)).toBe(true);
    expect((await api('POST', '/auth/login', { username: s.user.username, password: 'correct horse battery' })).status).toBe(200);
  });
});
