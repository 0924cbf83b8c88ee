import { describe, expect, it } from 'vitest';
import type { SessionRecord, Store } from '../store/store.js';
import { SessionGuard } from './session-guard.js';
import type { AccessClaims } from './tokens.js';

const CLAIMS: AccessClaims = {
  userId: '0d6f2f7e-3c4b-4a59-8e21-5b9c7d3a1f00',
  username: 'alice',
  deviceId: '9b2e4c6a-1d3f-4e5a-8b7c-6d5e4f3a2b1c',
  sessionId: '4f1a2b3c-5d6e-4f70-8a9b-0c1d2e3f4a5b',
  expiresAtMs: Date.now() + 60_000,
};

/** A store with one session whose reads the test counts and can hold back. */
function fakeStore() {
  const state = { revokedAt: null as Date | null, reads: 0, gate: null as Promise<void> | null, known: new Set([CLAIMS.sessionId]) };
  const find = async (ids: readonly string[]): Promise<SessionRecord[]> => {
    state.reads++;
    const revokedAt = state.revokedAt;
    if (state.gate) await state.gate;
    return ids.filter((id) => state.known.has(id)).map((id) => ({ id, userId: CLAIMS.userId, deviceId: CLAIMS.deviceId, revokedAt }));
  };
  const store = {
    findSession: async (id: string): Promise<SessionRecord | null> => (await find([id]))[0] ?? null,
    findSessions: find,
  } as unknown as Store;
  return { store, state };
}

describe('SessionGuard', () => {
  it('answers from its cache until a revoke notice invalidates it', async () => {
    const { store, state } = fakeStore();
    const guard = new SessionGuard({ store, ttlMs: 60_000 });
    expect(await guard.isLive(CLAIMS)).toBe(true);
    expect(await guard.isLive(CLAIMS)).toBe(true);
    expect(state.reads).toBe(1);
    state.revokedAt = new Date();
    guard.invalidate({ deviceId: CLAIMS.deviceId });
    await expect(guard.check(CLAIMS)).rejects.toMatchObject({ code: 'session_revoked' });
    expect(state.reads).toBe(2);
  });

  it('refuses an unknown session, and a token whose user or device is not the session’s', async () => {
    const { store } = fakeStore();
    const guard = new SessionGuard({ store });
    expect(await guard.isLive({ ...CLAIMS, sessionId: '11111111-1111-4111-8111-111111111111' })).toBe(false);
    expect(await guard.isLive({ ...CLAIMS, deviceId: '22222222-2222-4222-8222-222222222222' })).toBe(false);
    expect(await guard.isLive({ ...CLAIMS, userId: '33333333-3333-4333-8333-333333333333' })).toBe(false);
  });

  it('does not cache a live answer read before an invalidation that overtook it', async () => {
    const { store, state } = fakeStore();
    const guard = new SessionGuard({ store, ttlMs: 60_000 });
    let open!: () => void;
    state.gate = new Promise<void>((resolve) => (open = resolve));
    const stale = guard.isLive(CLAIMS); // reads "live" (at the end of this turn), then waits
    while (state.reads === 0) await new Promise((resolve) => setImmediate(resolve));
    state.revokedAt = new Date();
    guard.invalidate({ deviceId: CLAIMS.deviceId, sessionId: CLAIMS.sessionId });
    state.gate = null;
    open();
    expect(await stale).toBe(true);
    expect(await guard.isLive(CLAIMS)).toBe(false);
  });

  it('answers for the sessions of many sockets with one store read for those it does not hold, not one per session', async () => {
    const { store, state } = fakeStore();
    const sessions = Array.from({ length: 50 }, (_, i) => `5f1a2b3c-5d6e-4f70-8a9b-${String(i).padStart(12, '0')}`);
    for (const id of sessions) state.known.add(id);
    const guard = new SessionGuard({ store, ttlMs: 60_000 });
    expect(await guard.isLive(CLAIMS)).toBe(true);
    const claims = [CLAIMS, ...sessions.map((sessionId) => ({ ...CLAIMS, sessionId })), { ...CLAIMS, sessionId: '11111111-1111-4111-8111-111111111111' }];
    const before = state.reads;
    const live = await guard.liveAmong(claims);
    expect(live.size).toBe(51);
    expect(live.has('11111111-1111-4111-8111-111111111111')).toBe(false);
    // One batched read for the 51 sessions not cached, then one for the unknown one, asked alone.
    expect(state.reads - before).toBe(2);
    state.revokedAt = new Date();
    guard.clear();
    expect((await guard.liveAmong(claims)).size).toBe(0);
  });
});

describe('SessionGuard under a reconnect storm', () => {
  it('reads the sessions of many upgrades arriving together in one store read, and shares a read for one session', async () => {
    const { store, state } = fakeStore();
    const many = Array.from({ length: 500 }, (_, i) => ({ ...CLAIMS, sessionId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }));
    for (const c of many) state.known.add(c.sessionId);
    const guard = new SessionGuard({ store, ttlMs: 60_000 });
    const answers = await Promise.all([...many, CLAIMS, CLAIMS].map((c) => guard.isLive(c)));
    expect(answers.every(Boolean)).toBe(true);
    expect(state.reads).toBe(1);
  });

  it('fails every waiting check when the batched read fails, and reads again next time', async () => {
    const { store, state } = fakeStore();
    const failing = { ...store, findSessions: async () => Promise.reject(new Error('store down')) } as unknown as Store;
    const guard = new SessionGuard({ store: failing, ttlMs: 60_000 });
    const results = await Promise.allSettled([guard.isLive(CLAIMS), guard.isLive(CLAIMS)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const recovered = new SessionGuard({ store, ttlMs: 60_000 });
    expect(await recovered.isLive(CLAIMS)).toBe(true);
    expect(state.reads).toBe(1);
  });
});
