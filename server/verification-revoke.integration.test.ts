import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, MemorySessionStore } from '../shared/client/index.js';
import { E2ESession } from '../shared/client/e2e-session.js';
import { MemoryE2EStore } from '../shared/client/memory-e2e-store.js';
import { codeOf, newUser } from '../test/support/api.js';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

/** Publishes the keys of the device signed in on `api` (the account's first one also creates the identity key, so it is approved). */
async function publishKeys(api: ApiClient): Promise<void> {
  await new E2ESession({ api, store: new MemoryE2EStore(), session: (await api.session())!, extractable: true }).device();
}

/** Another device of `username`, signed in with its own session, keys published (only such a device may ask to be approved). */
async function secondDevice(username: string): Promise<ApiClient> {
  const api = new ApiClient({ serverUrl: t.url, fetch: (u, init) => fetch(u, init), sessions: new MemorySessionStore() });
  await api.login({ username, password: 'correct horse battery' });
  await publishKeys(api);
  return api;
}

const COMMITMENT = 'A'.repeat(43);
const KEY = 'B'.repeat(87);


describe('revoking a device during its approval', () => {
  it('cancels its open verification, so that no device can accept it and its approver stops waiting', async () => {
    const carol = await newUser(t.url, 'carol');
    await publishKeys(carol.api);
    const a2 = await secondDevice(carol.session.user.username);
    const a2Id = (await a2.session())?.deviceId as string;
    const a3 = await secondDevice(carol.session.user.username);
    const a3Id = (await a3.session())?.deviceId as string;
    // One open request per device: a2's accepted one, and a3's still waiting for an approver.
    const waiting = await a3.startVerification(randomUUID(), COMMITMENT);
    const accepted = await a2.startVerification(randomUUID(), COMMITMENT);
    await carol.api.verificationStep(accepted.id, { action: 'accept', key: KEY });

    await carol.api.revokeDevice(a2Id);
    await carol.api.revokeDevice(a3Id);

    for (const v of [waiting, accepted]) expect((await carol.api.verification(v.id)).state).toMatchObject({ step: 'cancelled', reason: 'the new device was revoked' });
    expect((await carol.api.verifications()).filter((v) => v.state.step !== 'cancelled')).toEqual([]);
    expect(await codeOf(carol.api.verificationStep(waiting.id, { action: 'accept', key: KEY }))).toBe('conflict');
  });

  it('cancels every open verification of the account when it signs out everywhere', async () => {
    const carol = await newUser(t.url, 'carol');
    await publishKeys(carol.api);
    const a2 = await secondDevice(carol.session.user.username);
    const v = await a2.startVerification(randomUUID(), COMMITMENT);
    await carol.api.revokeAllDevices();
    expect((await t.store.findVerification(v.id))?.state).toMatchObject({ step: 'cancelled', reason: 'the new device was revoked' });
  });
});
