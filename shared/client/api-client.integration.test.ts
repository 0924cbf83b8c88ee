import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser } from '../../test/support/api.js';
import { startTestServer } from '../../test/support/server.js';
import type { TestServer } from '../../test/support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

describe('ApiClient sessions', () => {
  it('refreshes an access token that is about to expire before using it, rotating the refresh token', async () => {
    const u = await newUser(t.url);
    const before = await u.sessions.load();
    await u.sessions.save({ ...before!, accessExpiresAt: new Date(Date.now() + 5_000).toISOString() });
    expect((await u.api.me()).user.id).toBe(u.session.user.id);
    const after = await u.sessions.load();
    expect(after?.refreshToken).not.toBe(before?.refreshToken);
    expect(after?.accessToken).not.toBe(before?.accessToken);
  });

  it('retries once with a refreshed token when the server says the token expired', async () => {
    const u = await newUser(t.url);
    const s = await u.sessions.load();
    const expired = jwt.sign({ typ: 'access', usr: s!.user.username, did: s!.deviceId, iat: Math.floor(Date.now() / 1000) - 3600 }, 'test-secret-test-secret-test-secret-0123', {
      algorithm: 'HS256', subject: s!.user.id, audience: 'chat', issuer: 'chat-server', expiresIn: 60,
    });
    await u.sessions.save({ ...s!, accessToken: expired });
    expect((await u.api.rooms())).toEqual([]);
    expect((await u.sessions.load())?.accessToken).not.toBe(expired);
  });

  it('serializes concurrent refreshes so the single-use refresh token is never presented twice', async () => {
    const u = await newUser(t.url);
    const s = await u.sessions.load();
    await u.sessions.save({ ...s!, accessExpiresAt: new Date(0).toISOString() });
    const results = await Promise.all([u.api.me(), u.api.rooms(), u.api.me()]);
    expect(results).toHaveLength(3);
    expect((await u.api.me()).user.id).toBe(u.session.user.id); // the family was not revoked
  });

  it('forgets a revoked session and says to sign in again', async () => {
    const u = await newUser(t.url);
    const s = await u.sessions.load();
    await fetch(`${t.url}/api/v1/auth/logout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: s!.refreshToken }) });
    await u.sessions.save({ ...s!, accessExpiresAt: new Date(0).toISOString() });
    await expect(u.api.me()).rejects.toMatchObject({ code: 'session_revoked' });
    expect(await u.sessions.load()).toBeNull();
  });
});
