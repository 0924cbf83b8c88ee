import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ServerFrame } from '../shared/protocol/index.js';
import type { Session } from '../shared/protocol/index.js';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';
import type { Bus } from './bus/bus.js';
import { MemoryBus } from './bus/memory-bus.js';
import { migrate } from './store/migrate.js';
import { createPgliteClient } from './store/pglite-client.js';
import { SqlStore } from './store/sql-store.js';

/** The refresh grace and the access-token lifetime, spelled out so that the test reads alone. */
const GRACE_MS = 90_000;
const ACCESS_TTL_MS = 15 * 60_000;

/**
 * An in-process bus that can lose revoke notices (as Redis pub/sub does while it is away) and can
 * say it reconnected.
 */
class FlakyBus extends MemoryBus implements Bus {
  dropRevokes = false;
  private readonly reconnectHandlers: (() => void)[] = [];
  override async publish(channel: string, message: string): Promise<void> {
    if (this.dropRevokes && message.includes('"t":"revoke"')) return;
    return super.publish(channel, message);
  }
  override onReconnect(handler: () => void): void {
    this.reconnectHandlers.push(handler);
  }
  reconnect(): void {
    for (const handler of this.reconnectHandlers) handler();
  }
}

/** A server whose clock the test moves, on a bus that can lose notices. */
let t: TestServer;
let bus: FlakyBus;
let clockAheadMs = 0;
const now = () => Date.now() + clockAheadMs;
beforeAll(async () => {
  bus = new FlakyBus();
  t = await startTestServer({ bus, now, sessionCacheTtlMs: 1 });
});
afterAll(async () => {
  await t.stop();
});

async function api(base: string, method: string, path: string, opts: { body?: unknown; token?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...opts.headers },
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, setCookie: res.headers.get('set-cookie') };
}

async function register(base: string, prefix: string, headers?: Record<string, string>): Promise<Session & { setCookie: string | null; password: string }> {
  const password = 'correct horse battery';
  const r = await api(base, 'POST', '/auth/register', { body: { username: `${prefix}${randomUUID().slice(0, 6)}`, password }, ...(headers ? { headers } : {}) });
  expect(r.status).toBe(201);
  return { ...(r.body as Session), setCookie: r.setCookie, password };
}

/** A socket that records frames and its close code. */
async function connect(base: string, token: string) {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
  const frames: any[] = [];
  const waiters: { pred: (f: any) => boolean; resolve: (f: any) => void }[] = [];
  ws.on('message', (data) => {
    const frame = ServerFrame.parse(JSON.parse(data.toString()));
    frames.push(frame);
    for (const w of [...waiters]) if (w.pred(frame)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(frame); }
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const next = (pred: (f: any) => boolean) =>
    new Promise<any>((resolve) => {
      const found = frames.find(pred);
      if (found) resolve(found);
      else waiters.push({ pred, resolve });
    });
  await next((f) => f.type === 'ready');
  return { ws, frames, next, closed, send: (frame: object) => ws.send(JSON.stringify(frame)) };
}

/** The HTTP status a refused upgrade answers. */
function upgradeStatus(base: string, token: string): Promise<number> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
  return new Promise<number>((resolve) => {
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
  });
}

describe('a revoked session', () => {
  it('refuses the revoked access token on REST, the ticket route and the WebSocket upgrade', async () => {
    const s = await register(t.url, 'rev');
    const token = s.tokens.accessToken;
    expect((await api(t.url, 'GET', '/me', { token })).status).toBe(200);
    expect((await api(t.url, 'POST', '/auth/logout', { body: { refreshToken: s.tokens.refreshToken } })).status).toBe(204);
    expect(await api(t.url, 'GET', '/me', { token })).toMatchObject({ status: 401, body: { error: { code: 'session_revoked' } } });
    expect(await api(t.url, 'POST', '/rooms', { token, body: { name: `r${randomUUID().slice(0, 8)}` } })).toMatchObject({ status: 401, body: { error: { code: 'session_revoked' } } });
    expect(await api(t.url, 'POST', '/auth/ws-ticket', { token })).toMatchObject({ status: 401, body: { error: { code: 'session_revoked' } } });
    expect(await upgradeStatus(t.url, token)).toBe(401);
  });

  it('closes a socket opened before the revocation with 4001', async () => {
    const s = await register(t.url, 'sock');
    const c = await connect(t.url, s.tokens.accessToken);
    await api(t.url, 'POST', '/auth/logout', { body: { refreshToken: s.tokens.refreshToken } });
    expect(await c.closed).toBe(4001);
  });

  it('refuses frames on an open socket even when the revoke notice was lost, and closes it', async () => {
    const s = await register(t.url, 'lost');
    const { body } = await api(t.url, 'POST', '/rooms', { token: s.tokens.accessToken, body: { name: `r${randomUUID().slice(0, 8)}` } });
    const c = await connect(t.url, s.tokens.accessToken);
    bus.dropRevokes = true;
    try {
      await api(t.url, 'POST', '/auth/logout', { body: { refreshToken: s.tokens.refreshToken } });
    } finally {
      bus.dropRevokes = false;
    }
    c.send({ type: 'send', roomId: body.room.id, clientMsgId: randomUUID(), body: 'after sign-out' });
    expect(await c.closed).toBe(4001);
    expect(c.frames.some((f) => f.type === 'ack')).toBe(false);
    expect(await t.store.headSeq(body.room.id)).toBe(1); // the owner's join only: nothing was stored
  });

  it('re-checks every open socket after the bus reconnects, closing those whose session ended meanwhile', async () => {
    const s = await register(t.url, 'recon');
    const c = await connect(t.url, s.tokens.accessToken);
    bus.dropRevokes = true;
    try {
      await api(t.url, 'POST', '/auth/logout', { body: { refreshToken: s.tokens.refreshToken } });
    } finally {
      bus.dropRevokes = false;
    }
    bus.reconnect();
    expect(await c.closed).toBe(4001);
  });

  it('closes a socket that only listens when its revoke notice was lost, at the next session sweep', async () => {
    const owner = await register(t.url, 'own');
    const s = await register(t.url, 'listen');
    const { body } = await api(t.url, 'POST', '/rooms', { token: owner.tokens.accessToken, body: { name: `r${randomUUID().slice(0, 8)}` } });
    expect((await api(t.url, 'POST', `/rooms/${body.room.id}/join`, { token: s.tokens.accessToken })).status).toBe(200);
    const c = await connect(t.url, s.tokens.accessToken);
    c.send({ type: 'subscribe', rooms: [{ roomId: body.room.id, sinceSeq: 0 }] });
    await c.next((f) => f.type === 'subscribed');
    bus.dropRevokes = true;
    try {
      await api(t.url, 'POST', '/auth/logout', { body: { refreshToken: s.tokens.refreshToken } });
    } finally {
      bus.dropRevokes = false;
    }
    // What the periodic sweep does, run now rather than waited for: one store read per session.
    expect(await t.server.gateway.sweepSessions()).toBeGreaterThanOrEqual(1);
    expect(await c.closed).toBe(4001);
    const sent = await api(t.url, 'POST', `/rooms/${body.room.id}/messages`, { token: owner.tokens.accessToken, body: { clientMsgId: randomUUID(), body: 'after the sweep' } });
    expect(sent.status).toBeLessThan(300);
    expect(c.frames.some((f) => f.type === 'message' && f.message?.body === 'after the sweep')).toBe(false);
  });
});

describe('deleting a device', () => {
  it('is idempotent: deleting an already revoked device answers 204 and still closes its sockets', async () => {
    const a = await register(t.url, 'dev');
    const b = await api(t.url, 'POST', '/auth/login', { body: { username: a.user.username, password: a.password, deviceName: 'second' } });
    const other = b.body as Session;
    const c = await connect(t.url, a.tokens.accessToken);
    bus.dropRevokes = true;
    try {
      expect((await api(t.url, 'DELETE', `/keys/devices/${a.device.id}`, { token: other.tokens.accessToken })).status).toBe(204);
    } finally {
      bus.dropRevokes = false;
    }
    expect((await api(t.url, 'DELETE', `/keys/devices/${a.device.id}`, { token: other.tokens.accessToken })).status).toBe(204);
    expect(await c.closed).toBe(4001);
    expect(await api(t.url, 'GET', '/me', { token: a.tokens.accessToken })).toMatchObject({ status: 401, body: { error: { code: 'session_revoked' } } });
    // Another user's device stays not found.
    const stranger = await register(t.url, 'str');
    expect((await api(t.url, 'DELETE', `/keys/devices/${a.device.id}`, { token: stranger.tokens.accessToken })).status).toBe(404);
  });
});

describe('a password-only sign-in that publishes no keys', () => {
  it('is announced to the account\'s open sockets with where and when, listed in GET /keys/devices, and revoking it ends its session and closes its socket', async () => {
    const a = await register(t.url, 'gho');
    const mine = await connect(t.url, a.tokens.accessToken);
    const ghost = (await api(t.url, 'POST', '/auth/login', { body: { username: a.user.username, password: a.password, deviceName: 'ghost' } })).body as Session;
    const announced = await mine.next((f) => f.type === 'devices' && f.added?.deviceId === ghost.device.id);
    expect(announced.added).toMatchObject({ name: 'ghost', createdAt: ghost.device.createdAt });
    expect(announced.added).toHaveProperty('from');
    // Not in the key directory, but among the account's devices.
    expect((await api(t.url, 'GET', `/keys/users/${a.user.username}/devices`, { token: a.tokens.accessToken })).body).toEqual({ devices: [] });
    const listed = (await api(t.url, 'GET', '/keys/devices', { token: a.tokens.accessToken })).body as { devices: { deviceId: string; name: string; signedInAt: string | null }[] };
    expect(listed.devices.map((d) => d.deviceId).sort()).toEqual([a.device.id, ghost.device.id].sort());
    expect(listed.devices.find((d) => d.deviceId === ghost.device.id)).toMatchObject({ name: 'ghost' });
    const ghostSocket = await connect(t.url, ghost.tokens.accessToken);
    expect((await api(t.url, 'DELETE', `/keys/devices/${ghost.device.id}`, { token: a.tokens.accessToken })).status).toBe(204);
    expect(await ghostSocket.closed).toBe(4001);
    expect(await api(t.url, 'GET', '/me', { token: ghost.tokens.accessToken })).toMatchObject({ status: 401, body: { error: { code: 'session_revoked' } } });
    expect((await api(t.url, 'POST', '/auth/refresh', { body: { refreshToken: ghost.tokens.refreshToken } })).status).toBe(401);
    expect(((await api(t.url, 'GET', '/keys/devices', { token: a.tokens.accessToken })).body as { devices: { deviceId: string }[] }).devices.map((d) => d.deviceId)).toEqual([a.device.id]);
    expect(mine.ws.readyState).toBe(WebSocket.OPEN);
    mine.ws.close();
  });
});

describe('signing out everywhere', () => {
  it('ends every session of the user, on devices that never published keys too, and closes all their sockets', async () => {
    const a = await register(t.url, 'all');
    const login = async (deviceName: string) => (await api(t.url, 'POST', '/auth/login', { body: { username: a.user.username, password: a.password, deviceName } })).body as Session;
    const phone = await login('phone');
    const laptop = await login('laptop');
    const stranger = await register(t.url, 'oth');
    // None of these devices published keys: the device directory lists none of them.
    expect((await api(t.url, 'GET', `/keys/users/${a.user.username}/devices`, { token: a.tokens.accessToken })).body).toEqual({ devices: [] });
    const sockets = await Promise.all([a, phone, laptop, stranger].map((s) => connect(t.url, s.tokens.accessToken)));
    expect((await api(t.url, 'DELETE', '/keys/devices', { token: phone.tokens.accessToken })).status).toBe(204);
    expect(await Promise.all(sockets.slice(0, 3).map((c) => c.closed))).toEqual([4001, 4001, 4001]);
    for (const s of [a, phone, laptop]) {
      expect(await api(t.url, 'GET', '/me', { token: s.tokens.accessToken })).toMatchObject({ status: 401, body: { error: { code: 'session_revoked' } } });
      expect((await api(t.url, 'POST', '/auth/refresh', { body: { refreshToken: s.tokens.refreshToken } })).status).toBe(401);
    }
    // Another user is untouched; the account itself signs in again.
    expect(sockets[3]?.ws.readyState).toBe(WebSocket.OPEN);
    expect((await api(t.url, 'GET', '/me', { token: stranger.tokens.accessToken })).status).toBe(200);
    expect((await api(t.url, 'GET', '/me', { token: (await login('again')).tokens.accessToken })).status).toBe(200);
    sockets[3]?.ws.close();
  });
});

describe('socket token expiry', () => {
  it('closes a socket with 4002 when its access token expires', async () => {
    const s = await register(t.url, 'exp');
    const c = await connect(t.url, s.tokens.accessToken);
    clockAheadMs += ACCESS_TTL_MS + 1_000;
    // What the heartbeat and each socket's timer do, run now rather than waited for.
    expect(t.server.gateway.expireDue()).toBeGreaterThanOrEqual(1);
    expect(await c.closed).toBe(4002);
  });

  it('keeps a socket whose client re-authenticated with a fresh token, past the first token’s expiry', async () => {
    const s = await register(t.url, 'reauth');
    const { body } = await api(t.url, 'POST', '/rooms', { token: s.tokens.accessToken, body: { name: `r${randomUUID().slice(0, 8)}` } });
    const c = await connect(t.url, s.tokens.accessToken);
    clockAheadMs += ACCESS_TTL_MS - 60_000;
    const fresh = await api(t.url, 'POST', '/auth/refresh', { body: { refreshToken: s.tokens.refreshToken } });
    expect(fresh.status).toBe(200);
    c.send({ type: 'reauth', accessToken: fresh.body.accessToken });
    const reauthed = await c.next((f) => f.type === 'reauthed');
    expect(Date.parse(reauthed.expiresAt)).toBe(Date.parse(fresh.body.accessExpiresAt));
    clockAheadMs += 2 * 60_000;
    t.server.gateway.expireDue();
    c.send({ type: 'subscribe', rooms: [{ roomId: body.room.id, sinceSeq: 0 }] });
    expect(await c.next((f) => f.type === 'subscribed')).toMatchObject({ roomId: body.room.id });
    c.ws.close();
  });

  it('refuses a re-auth with another user’s token', async () => {
    const s = await register(t.url, 'mine');
    const other = await register(t.url, 'theirs');
    const c = await connect(t.url, s.tokens.accessToken);
    c.send({ type: 'reauth', accessToken: other.tokens.accessToken });
    expect(await c.next((f) => f.type === 'error')).toMatchObject({ code: 'forbidden', ref: 'reauth' });
    c.ws.close();
  });
});

describe('refresh rotation with a grace window', () => {
  it('answers the same pair to a client whose answer was lost, then revokes the family on reuse after the grace', async () => {
    const s = await register(t.url, 'grace');
    const first = await api(t.url, 'POST', '/auth/refresh', { body: { refreshToken: s.tokens.refreshToken } });
    expect(first.status).toBe(200);
    // The answer never arrived: the client presents the spent token again.
    const again = await api(t.url, 'POST', '/auth/refresh', { body: { refreshToken: s.tokens.refreshToken } });
    expect(again.status).toBe(200);
    expect(again.body.refreshToken).toBe(first.body.refreshToken);
    expect(again.body.accessToken).toBe(first.body.accessToken);
    expect((await api(t.url, 'GET', '/me', { token: again.body.accessToken })).status).toBe(200);
    clockAheadMs += GRACE_MS + 1_000;
    expect(await api(t.url, 'POST', '/auth/refresh', { body: { refreshToken: s.tokens.refreshToken } })).toMatchObject({ status: 401, body: { error: { code: 'session_revoked' } } });
    expect(await api(t.url, 'GET', '/me', { token: first.body.accessToken })).toMatchObject({ status: 401, body: { error: { code: 'session_revoked' } } });
  });

  it('lets two browser tabs refresh the same cookie at once', async () => {
    const cookieMode = { 'x-chat-session': 'cookie' };
    const s = await register(t.url, 'tabs', cookieMode);
    const cookie = (s.setCookie ?? '').split(';')[0] as string;
    const [one, two] = await Promise.all([
      api(t.url, 'POST', '/auth/refresh', { body: {}, headers: { ...cookieMode, cookie } }),
      api(t.url, 'POST', '/auth/refresh', { body: {}, headers: { ...cookieMode, cookie } }),
    ]);
    expect([one.status, two.status]).toEqual([200, 200]);
    expect(one.body.accessToken).toBe(two.body.accessToken);
    expect(one.setCookie?.split(';')[0]).toBe(two.setCookie?.split(';')[0]);
    const next = await api(t.url, 'POST', '/auth/refresh', { body: {}, headers: { ...cookieMode, cookie: (one.setCookie ?? '').split(';')[0] as string } });
    expect(next.status).toBe(200);
  });

  it("answers a browser's session check with 200 whether signed in, signed out, ended or malformed", async () => {
    const cookieMode = { 'x-chat-session': 'cookie' };
    const check = (cookie?: string) => api(t.url, 'POST', '/auth/session', { body: {}, headers: { ...cookieMode, ...(cookie ? { cookie } : {}) } });
    // No cookie: signed out, not an error.
    expect(await check()).toMatchObject({ status: 200, body: { signedIn: false } });
    // A live cookie: its session, with new tokens, the refresh token kept in the cookie.
    const s = await register(t.url, 'probe', cookieMode);
    const cookie = (s.setCookie ?? '').split(';')[0] as string;
    const live = await check(cookie);
    expect(live).toMatchObject({ status: 200, body: { signedIn: true, tokens: { refreshToken: '' } } });
    expect((await api(t.url, 'GET', '/me', { token: live.body.tokens.accessToken })).status).toBe(200);
    const next = (live.setCookie ?? '').split(';')[0] as string;
    // A session that ended (signed out): signed out, and the cookie is cleared.
    expect((await api(t.url, 'POST', '/auth/logout', { body: {}, headers: { ...cookieMode, cookie: next } })).status).toBe(204);
    const ended = await check(next);
    expect(ended).toMatchObject({ status: 200, body: { signedIn: false } });
    expect(ended.setCookie).toContain('Max-Age=0');
    // A malformed cookie holds no session either.
    expect(await check('chat_refresh=%E0%A4%A')).toMatchObject({ status: 200, body: { signedIn: false } });
    // Only browsers in cookie mode ask here.
    expect((await api(t.url, 'POST', '/auth/session', { body: {} })).status).toBe(400);
  });

  it('answers the same pair from another instance on the same database', async () => {
    const sql = await createPgliteClient(undefined);
    await migrate(sql);
    const store = new SqlStore(sql);
    const a = await startTestServer({ store });
    const b = await startTestServer({ store });
    try {
      const s = await register(a.url, 'inst');
      const lost = await api(a.url, 'POST', '/auth/refresh', { body: { refreshToken: s.tokens.refreshToken } });
      expect(lost.status).toBe(200);
      const retried = await api(b.url, 'POST', '/auth/refresh', { body: { refreshToken: s.tokens.refreshToken } });
      expect(retried).toMatchObject({ status: 200, body: { refreshToken: lost.body.refreshToken, accessToken: lost.body.accessToken } });
      expect((await api(b.url, 'GET', '/me', { token: retried.body.accessToken })).status).toBe(200);
    } finally {
      await a.stop();
      await b.stop();
      await store.close();
    }
  });

  it('keeps no readable successor: the stored pair is sealed, and the new refresh token appears nowhere in clear', async () => {
    const s = await register(t.url, 'seal');
    const r = await api(t.url, 'POST', '/auth/refresh', { body: { refreshToken: s.tokens.refreshToken } });
    const sealed = await t.store.findRefreshSuccessor(hashOf(s.tokens.refreshToken), new Date(now()));
    expect(sealed).not.toBeNull();
    expect(sealed).not.toContain(r.body.refreshToken);
    expect(Buffer.from(sealed as string, 'base64url').toString('latin1')).not.toContain(r.body.refreshToken);
  });
});

describe('clock skew', () => {
  it('refuses a token issued while the server clock ran a year ahead, once the clock is fixed', async () => {
    let aheadMs = 365 * 24 * 3600_000;
    const skewed = await startTestServer({ now: () => Date.now() + aheadMs });
    try {
      const s = await register(skewed.url, 'skew');
      expect((await api(skewed.url, 'GET', '/me', { token: s.tokens.accessToken })).status).toBe(200);
      aheadMs = 0;
      expect(await api(skewed.url, 'GET', '/me', { token: s.tokens.accessToken })).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
      expect(await upgradeStatus(skewed.url, s.tokens.accessToken)).toBe(401);
    } finally {
      await skewed.stop();
    }
  });
});

describe('refresh limits', () => {
  it('counts refreshes per session, apart from the per-address sign-in limit', async () => {
    const limited = await startTestServer({ authRateLimit: 3, refreshRateLimit: 4 });
    try {
      const a = await register(limited.url, 'lima');
      const b = await register(limited.url, 'limb');
      // The address's sign-in budget is spent (a mistyped password, say)...
      expect((await api(limited.url, 'POST', '/auth/login', { body: { username: a.user.username, password: 'wrong password!' } })).status).toBe(401);
      expect((await api(limited.url, 'POST', '/auth/login', { body: { username: a.user.username, password: a.password } })).status).toBe(429);
      // ...yet sessions still refresh, each within its own budget.
      let token = a.tokens.refreshToken;
      for (let i = 0; i < 4; i++) {
        const r = await api(limited.url, 'POST', '/auth/refresh', { body: { refreshToken: token } });
        expect(r.status).toBe(200);
        token = r.body.refreshToken;
      }
      expect(await api(limited.url, 'POST', '/auth/refresh', { body: { refreshToken: token } })).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
      expect((await api(limited.url, 'POST', '/auth/refresh', { body: { refreshToken: b.tokens.refreshToken } })).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });
});

function hashOf(token: string): string {
  // The store keys refresh tokens by their SHA-256, hex.
  return createHash('sha256').update(token).digest('hex');
}
