import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, MemorySessionStore } from '../shared/client/index.js';
import type { ApprovalIo } from '../shared/client/device-approval.js';
import { approveDevice, requestApproval } from '../shared/client/device-approval.js';
import { E2ESession } from '../shared/client/e2e-session.js';
import { SessionIdentityBackup } from '../shared/client/identity-backup.js';
import { KeyBackup } from '../shared/client/key-backup.js';
import { MemoryE2EStore } from '../shared/client/memory-e2e-store.js';
import { codeOf, newUser } from '../test/support/api.js';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';
import { MAX_OPEN_VERIFICATIONS } from './services/device-verification-service.js';
import type { Store } from './store/store.js';

// A thief who knows only the password signs in a device of their own. It must not be able to hide the
// real new device's request (by flooding requests), break its approval once codes are shown, accept or
// cancel it (unless approved), or make the new device show a made-up reason.

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

const COMMITMENT = 'A'.repeat(43);
const KEY = 'B'.repeat(87);
const io: ApprovalIo = { confirmCode: async () => true, wait: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))) };


/** A device's E2E session over `api` (keys published once `e2e.device()` ran). */
async function deviceOver(api: ApiClient, publish: boolean) {
  const session = (await api.session())!;
  const store = new MemoryE2EStore();
  const identity = new SessionIdentityBackup({ session, extractable: true, e2e: (): E2ESession => e2e });
  const backup = new KeyBackup({ api, store, session, identity });
  const e2e: E2ESession = new E2ESession({ api, store, session, extractable: true, backup, onIdentityCreated: (created) => identity.remember(created) });
  if (publish) await e2e.device();
  return { api, e2e, backup, deviceId: session.deviceId };
}

/** Another device of `username`, signed in with its own session; its keys published when `publish`. */
async function device(username: string, publish = true) {
  const api = new ApiClient({ serverUrl: t.url, fetch: (u, init) => fetch(u, init), sessions: new MemorySessionStore() });
  await api.login({ username, password: 'correct horse battery' });
  return deviceOver(api, publish);
}

/** A user whose first device holds the identity key (approved), with a key backup. */
async function owner() {
  const u = await newUser(t.url, 'v');
  const first = await deviceOver(u.api, true);
  await first.backup.create();
  return { first, username: u.session.user.username };
}

describe('a device signed in with a stolen password', () => {
  it('cannot ask to be approved before it published keys', async () => {
    const { username } = await owner();
    const bare = await device(username, false);
    expect(await codeOf(bare.api.startVerification(randomUUID(), COMMITMENT))).toBe('forbidden');
  });

  it('keeps one open request however often it asks, so the real device\'s request stays listed', async () => {
    const { first, username } = await owner();
    const real = await device(username);
    const thief = await device(username);
    const mine = await real.api.startVerification(randomUUID(), COMMITMENT);
    const flood = [];
    for (let i = 0; i < 22; i++) flood.push(await thief.api.startVerification(randomUUID(), COMMITMENT));
    const open = (await first.api.verifications()).filter((v) => v.state.step === 'requested');
    expect(open.map((v) => v.id).sort()).toEqual([mine.id, flood.at(-1)!.id].sort());
    expect((await first.api.verification(flood[0]!.id)).state).toMatchObject({ step: 'cancelled', reason: 'a newer request from the same device replaced it', cancelledBy: null });
  });

  // Requests sent by one device at the same moment could all stay open: each found none open before it stored.
  it('keeps one open request when a device sends several at the same moment', async () => {
    const { first, username } = await owner();
    const thief = await device(username);
    // Holds each store of a request until all have passed the service's checks: the race, every time.
    const store = t.store as { createVerification: Store['createVerification'] };
    const create = store.createVerification.bind(store);
    const held: (() => void)[] = [];
    const n = 3;
    store.createVerification = async (...args) => {
      await new Promise<void>((release) => {
        held.push(release);
        if (held.length === n) for (const r of held) r();
      });
      return create(...args);
    };
    try {
      const sent = await Promise.all(Array.from({ length: n }, () => thief.api.startVerification(randomUUID(), COMMITMENT)));
      const open = (await first.api.verifications()).filter((v) => v.state.step === 'requested');
      expect(open).toHaveLength(1);
      expect(sent.map((v) => v.id)).toContain(open[0]?.id);
    } finally {
      delete (store as Partial<typeof store>).createVerification;
    }
  });

  it('cannot flood away a request whose codes are shown: the real device is approved and gets the backup', async () => {
    const { first, username } = await owner();
    const real = await device(username);
    const thief = await device(username);
    const flooding: ApprovalIo = {
      ...io,
      confirmCode: async () => {
        for (let i = 0; i < 22; i++) await thief.api.startVerification(randomUUID(), COMMITMENT);
        return true;
      },
    };
    const [history] = await Promise.all([
      requestApproval(real.e2e, real.api, io, real.backup),
      approveDevice(first.e2e, first.api, flooding, real.deviceId, first.backup),
    ]);
    expect(history).toMatchObject({ backup: 'restored' });
  });

  it('cannot hide a revoked device\'s request from the cancelling on revocation', async () => {
    const { first, username } = await owner();
    const real = await device(username);
    const thief = await device(username);
    const v = await real.api.startVerification(randomUUID(), COMMITMENT);
    for (let i = 0; i < 22; i++) await thief.api.startVerification(randomUUID(), COMMITMENT);
    await first.api.revokeDevice(real.deviceId);
    expect((await t.store.findVerification(v.id))?.state).toMatchObject({ step: 'cancelled', reason: 'the new device was revoked' });
  });

  it(`is refused with rate_limited past ${MAX_OPEN_VERIFICATIONS} open requests, and the older ones stay listed`, async () => {
    const { first, username } = await owner();
    const ids: string[] = [];
    for (let i = 0; i < MAX_OPEN_VERIFICATIONS; i++) ids.push((await (await device(username)).api.startVerification(randomUUID(), COMMITMENT)).id);
    const extra = await device(username);
    expect(await codeOf(extra.api.startVerification(randomUUID(), COMMITMENT))).toBe('rate_limited');
    expect((await first.api.verifications()).map((v) => v.id).sort()).toEqual([...ids].sort());
  });

  it('cannot accept or cancel another device\'s request unless approved, nor give a made-up reason', async () => {
    const { first, username } = await owner();
    const real = await device(username);
    const unapproved = await device(username);
    const bare = await device(username, false);
    const v = await real.api.startVerification(randomUUID(), COMMITMENT);
    for (const d of [unapproved, bare]) {
      expect(await codeOf(d.api.verificationStep(v.id, { action: 'accept', key: KEY }))).toBe('forbidden');
      expect(await codeOf(d.api.verificationStep(v.id, { action: 'cancel', reason: 'the codes did not match on the approving device' }))).toBe('forbidden');
    }
    const freeText = { action: 'cancel', reason: 'your account was hacked, call +1 555 0100' } as unknown as { action: 'cancel'; reason: 'declined on the approving device' };
    expect(await codeOf(first.api.verificationStep(v.id, freeText))).toBe('invalid_request');
    // The new device may cancel only with its own reasons.
    expect(await codeOf(real.api.verificationStep(v.id, { action: 'cancel', reason: 'the codes did not match on the approving device' }))).toBe('forbidden');
    expect((await first.api.verification(v.id)).state.step).toBe('requested');

    await first.api.verificationStep(v.id, { action: 'accept', key: KEY });
    const other = await device(username);
    expect(await codeOf(other.api.verificationStep(v.id, { action: 'cancel', reason: 'declined on the approving device' }))).toBe('forbidden');
    await first.api.verificationStep(v.id, { action: 'cancel', reason: 'the codes did not match on the approving device' });
    expect((await real.api.verification(v.id)).state).toMatchObject({ step: 'cancelled', reason: 'the codes did not match on the approving device', cancelledBy: first.deviceId });
  });

  it('lets the new device cancel its own request', async () => {
    const { username } = await owner();
    const real = await device(username);
    const v = await real.api.startVerification(randomUUID(), COMMITMENT);
    await real.api.verificationStep(v.id, { action: 'cancel', reason: 'the new device stopped waiting' });
    expect((await real.api.verification(v.id)).state).toMatchObject({ step: 'cancelled', cancelledBy: real.deviceId });
  });
});
