import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ServerFrame } from '../shared/protocol/index.js';
import type { Session } from '../shared/protocol/index.js';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

async function api(method: string, path: string, body?: unknown, token?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${t.url}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** A request with the path sent byte for byte (fetch would normalise a malformed escape). */
function rawGet(path: string, token: string): Promise<{ status: number; body: any }> {
  const url = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET', headers: { authorization: `Bearer ${token}` } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
    });
    req.once('error', reject);
    req.end();
  });
}

const name = (prefix: string) => `${prefix}${randomUUID().slice(0, 6)}`;

async function register(prefix: string): Promise<Session> {
  const r = await api('POST', '/auth/register', { username: name(prefix), password: 'correct horse battery' });
  expect(r.status).toBe(201);
  return r.body as Session;
}

const invalid = { status: 400, body: { error: { code: 'invalid_request' } } };

describe('text fields at the protocol edge', () => {
  let owner: Session;
  let roomId: string;
  let roomName: string;
  beforeAll(async () => {
    owner = await register('own');
    roomName = name('txt-');
    roomId = (await api('POST', '/rooms', { name: roomName }, owner.tokens.accessToken)).body.room.id;
  });

  it.each([
    ['a NUL', 'hello\u0000world'],
    ['a lone surrogate', 'hello\ud800world'],
  ])('refuses a message body with %s, and stores nothing', async (_what, body) => {
    const r = await api('POST', `/rooms/${roomId}/messages`, { clientMsgId: randomUUID(), body }, owner.tokens.accessToken);
    expect(r).toMatchObject(invalid);
    const history = await api('GET', `/rooms/${roomId}/messages`, undefined, owner.tokens.accessToken);
    expect(history.body.events.filter((e: { kind: string }) => e.kind === 'message')).toEqual([]);
  });

  it('keeps newlines, tabs and pasted escape sequences in a message body, as sent (clients neutralize them)', async () => {
    for (const body of ['line one\n\tline two', 'build \u001b[32mpassed\u001b[0m\r\n']) {
      const r = await api('POST', `/rooms/${roomId}/messages`, { clientMsgId: randomUUID(), body }, owner.tokens.accessToken);
      expect(r.status).toBe(201);
    }
    const history = await api('GET', `/rooms/${roomId}/messages`, undefined, owner.tokens.accessToken);
    expect(history.body.events.map((e: { body: string | null }) => e.body)).toContain('build \u001b[32mpassed\u001b[0m\r\n');
  });

  it('refuses control characters in a topic and a device name', async () => {
    expect(await api('POST', '/rooms', { name: name('t-'), topic: 'a\u001b]0;title\u0007' }, owner.tokens.accessToken)).toMatchObject(invalid);
    expect(await api('POST', '/auth/register', { username: name('dev'), password: 'correct horse battery', deviceName: 'laptop\u001b[2J' })).toMatchObject(invalid);
  });

  it('refuses a NUL in a topic, a room path, a search query and its filters', async () => {
    expect(await api('POST', '/rooms', { name: name('t-'), topic: 'a\u0000b' }, owner.tokens.accessToken)).toMatchObject(invalid);
    expect(await api('POST', '/rooms', { name: name('t-'), topic: 'two\nlines' }, owner.tokens.accessToken)).toMatchObject(invalid);
    expect(await api('GET', '/rooms/a%00b', undefined, owner.tokens.accessToken)).toMatchObject(invalid);
    expect(await api('GET', '/search?q=a%00b', undefined, owner.tokens.accessToken)).toMatchObject(invalid);
    expect(await api('GET', `/search?q=hello&room=${roomName}%00`, undefined, owner.tokens.accessToken)).toMatchObject(invalid);
    expect(await api('GET', '/search?q=hello&from=a%00b', undefined, owner.tokens.accessToken)).toMatchObject(invalid);
  });

  it('refuses a NUL in a username wherever one is given', async () => {
    expect(await api('POST', '/auth/register', { username: 'nul\u0000user', password: 'correct horse battery' })).toMatchObject(invalid);
    expect(await api('POST', '/auth/login', { username: 'nul\u0000user', password: 'correct horse battery' })).toMatchObject(invalid);
    expect(await api('POST', `/rooms/${roomId}/kick`, { username: 'a\u0000b' }, owner.tokens.accessToken)).toMatchObject(invalid);
    expect(await api('POST', '/dm', { username: 'a\u0000b' }, owner.tokens.accessToken)).toMatchObject(invalid);
    expect(await api('GET', '/keys/users/a%00b/devices', undefined, owner.tokens.accessToken)).toMatchObject(invalid);
  });

  it('refuses a registration whose device name has a NUL, and leaves the username free', async () => {
    const username = name('dev');
    const bad = await api('POST', '/auth/register', { username, password: 'correct horse battery', deviceName: 'laptop\u0000' });
    expect(bad).toMatchObject(invalid);
    const loginBad = await api('POST', '/auth/login', { username, password: 'correct horse battery', deviceName: 'laptop\u0000' });
    expect(loginBad).toMatchObject(invalid);
    const again = await api('POST', '/auth/register', { username, password: 'correct horse battery', deviceName: 'laptop' });
    expect(again.status).toBe(201);
  });

  it('answers a WebSocket send with a NUL in its body with an invalid_request error frame', async () => {
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${owner.tokens.accessToken}` } });
    const frames: any[] = [];
    ws.on('message', (data) => frames.push(ServerFrame.parse(JSON.parse(data.toString()))));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const clientMsgId = randomUUID();
    ws.send(JSON.stringify({ type: 'send', roomId, clientMsgId, body: 'a\u0000b' }));
    const end = Date.now() + 10_000;
    while (!frames.some((f) => f.type === 'error' || f.type === 'ack') && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(frames.find((f) => f.type === 'error' || f.type === 'ack')).toMatchObject({ type: 'error', code: 'invalid_request', ref: clientMsgId });
    ws.close();
  });
});

describe('malformed %-escapes', () => {
  it('answers a malformed escape in a path with 400', async () => {
    const s = await register('pct');
    expect(await rawGet('/api/v1/rooms/%E0%A4%A', s.tokens.accessToken)).toMatchObject(invalid);
    expect(await rawGet('/api/v1/rooms/%E0%A4%A/messages', s.tokens.accessToken)).toMatchObject(invalid);
    expect(await rawGet('/api/v1/keys/users/%ZZ/devices', s.tokens.accessToken)).toMatchObject(invalid);
  });

  it('answers a malformed escape in the refresh cookie with 400', async () => {
    const r = await api('POST', '/auth/refresh', undefined, undefined, { 'x-chat-session': 'cookie', cookie: 'chat_refresh=%E0%A4%A' });
    expect(r).toMatchObject(invalid);
    const out = await api('POST', '/auth/logout', undefined, undefined, { 'x-chat-session': 'cookie', cookie: 'chat_refresh=%E0%A4%A' });
    expect(out).toMatchObject(invalid);
  });
});
