import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser } from '../../test/support/api.js';
import { startTestServer } from '../../test/support/server.js';
import type { TestServer } from '../../test/support/server.js';
import { fromBase64Url, toBase64Url } from '../crypto/index.js';
import type { Verification } from '../protocol/index.js';
import { ApiClient } from './api-client.js';
import type { ApprovalIo } from './device-approval.js';
import { approveDevice, requestApproval } from './device-approval.js';
import { DevicePrompts } from './device-prompts.js';
import { Emitter } from './emitter.js';
import { E2ESession } from './e2e-session.js';
import { SessionIdentityBackup } from './identity-backup.js';
import { KeyBackup } from './key-backup.js';
import { MemoryE2EStore } from './memory-e2e-store.js';
import { MemorySessionStore } from './session-store.js';

// Approving a new device moves the key backup's key to it over the verification (after Matrix's
// m.secret.send), so it reads the private history from before it was approved; a key the server
// altered, or one sent by a device that is not the verified approver, is refused.

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

/** A device's E2E session and key backup, wired as the CLI (`extractable`) or the web (not) wires them. */
function deviceOver(api: ApiClient, session: NonNullable<Awaited<ReturnType<ApiClient['session']>>>, extractable: boolean) {
  const store = new MemoryE2EStore();
  const identity = new SessionIdentityBackup({ session, extractable, e2e: (): E2ESession => e2e });
  const backup = new KeyBackup({ api, store, session, identity });
  const e2e: E2ESession = new E2ESession({ api, store, session, extractable, backup, onIdentityCreated: (created) => identity.remember(created) });
  return { api, e2e, backup, store, session };
}

/** Another device of `username`, signed in with its own session (keys published). */
async function secondDevice(username: string, extractable: boolean) {
  const api = new ApiClient({ serverUrl: t.url, fetch: (u, init) => fetch(u, init), sessions: new MemorySessionStore() });
  await api.login({ username, password: 'correct horse battery' });
  const d = deviceOver(api, (await api.session())!, extractable);
  await d.e2e.device();
  return d;
}

/** Both users confirm the code at once; waits are short. */
const io: ApprovalIo = { confirmCode: async () => true, wait: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))) };

/** Alice's first device (identity key, key backup) and a private room where she sent `earlier`. */
async function aliceWithHistory(earlier: string) {
  const u = await newUser(t.url, 'a');
  const first = deviceOver(u.api, (await u.sessions.load())!, true);
  await first.e2e.device();
  await first.backup.create();
  const { room } = await u.api.createRoom({ name: `ah-${randomUUID().slice(0, 8)}`, visibility: 'private' });
  const ack = await u.api.sendEnvelope(room.id, await first.e2e.encrypt(room.id, earlier, randomUUID()));
  const event = (await u.api.history(room.id)).events.find((e) => e.seq === ack.seq)!;
  return { first, room, event, username: first.session.user.username };
}

/** `api` as a server that rewrites what `verification` answers. */
function tampering(api: ApiClient, rewrite: (v: Verification) => Verification): ApiClient {
  return new Proxy(api, {
    get(target, prop) {
      if (prop === 'verification') return async (id: string) => rewrite(await target.verification(id));
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('approving a device moves the key backup key', () => {
  it('a browser-like device approved by a terminal-like one restores the backup and reads the earlier message', async () => {
    const earlier = `before approval ${randomUUID()}`;
    const alice = await aliceWithHistory(earlier);
    const second = await secondDevice(alice.username, false);
    expect(await second.e2e.open(alice.event)).not.toMatchObject({ status: 'ok' });

    const [history] = await Promise.all([requestApproval(second.e2e, second.api, io, second.backup), approveDevice(alice.first.e2e, alice.first.api, io, undefined, alice.first.backup)]);

    expect(history).toMatchObject({ backup: 'restored', report: { identity: 'restored' } });
    expect(await second.e2e.open(alice.event)).toMatchObject({ status: 'ok', body: earlier });
    // It now holds the identity key (non-extractable here) and the backup key: it can approve the next one, and pass the history on.
    expect(await second.e2e.identityStatus()).toBe('holder');
    const third = await secondDevice(alice.username, true);
    const [again] = await Promise.all([requestApproval(third.e2e, third.api, io, third.backup), approveDevice(second.e2e, second.api, io, undefined, second.backup)]);
    expect(again).toMatchObject({ backup: 'restored' });
    expect(await third.e2e.open(alice.event)).toMatchObject({ status: 'ok', body: earlier });
    // The server held only the sealed key.
    const verifications = await alice.first.api.verifications();
    const raw = JSON.stringify(verifications);
    const key = (await alice.first.store.get('backupKey', 'current'))!.key;
    expect(raw).toContain('"backup_key"');
    expect(raw).not.toContain(key);
  });

  it('through the prompts the TUI and the web drive: the new device is told its history was restored, and its timeline opens again', async () => {
    const earlier = `prompts ${randomUUID()}`;
    const alice = await aliceWithHistory(earlier);
    const second = await secondDevice(alice.username, false);
    const live = new Emitter<{ devices: Record<string, never> }>();
    const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 20)));
    const approver = new DevicePrompts({ e2e: alice.first.e2e, api: alice.first.api, live, backup: alice.first.backup, autoRequest: false, sleep });
    const newcomer = new DevicePrompts({ e2e: second.e2e, api: second.api, live, backup: second.backup, autoRequest: false, sleep });
    const reopened: number[] = [];
    newcomer.onHistoryRestored((report) => reopened.push(report.added + report.extended));
    // Each user says the digits match as soon as they show.
    for (const p of [approver, newcomer]) p.subscribe(() => p.getSnapshot().flow?.step === 'compare' && p.confirm(true));
    await Promise.all([approver.start(), newcomer.start()]);
    await Promise.all([newcomer.request(), approver.approve(second.session.deviceId)]);

    expect(approver.getSnapshot().flow).toMatchObject({ step: 'done', role: 'approver' });
    expect(newcomer.getSnapshot().flow).toMatchObject({ step: 'done', role: 'newcomer', history: { backup: 'restored' } });
    expect(reopened).toHaveLength(1);
    expect(reopened[0]).toBeGreaterThan(0);
    expect(await second.e2e.open(alice.event)).toMatchObject({ status: 'ok', body: earlier });
    approver.stop();
    newcomer.stop();
  });

  it('refuses a key the server altered on the way, and restores nothing with it', async () => {
    const earlier = `tampered ${randomUUID()}`;
    const alice = await aliceWithHistory(earlier);
    const second = await secondDevice(alice.username, false);
    const flip = (v: Verification): Verification => {
      const s = v.state.secret;
      if (!s) return v;
      const ct = fromBase64Url(s.ct);
      ct[3] = (ct[3] ?? 0) ^ 1;
      return { ...v, state: { ...v.state, secret: { ...s, ct: toBase64Url(ct) } } };
    };
    const [history] = await Promise.all([
      requestApproval(second.e2e, tampering(second.api, flip), io, second.backup),
      approveDevice(alice.first.e2e, alice.first.api, io, undefined, alice.first.backup),
    ]);
    expect(history).toMatchObject({ backup: 'refused', reason: expect.stringContaining('does not open') });
    expect(await second.e2e.open(alice.event)).not.toMatchObject({ status: 'ok' });
    expect(await second.store.get('backupKey', 'current')).toBeUndefined();
    // Approved all the same (the code matched): only the history stays behind the recovery key.
    expect(await second.e2e.identityStatus()).toBe('approved');
  });

  it('refuses a key replayed from an earlier verification', async () => {
    const alice = await aliceWithHistory(`replayed ${randomUUID()}`);
    const first = await secondDevice(alice.username, true);
    await Promise.all([requestApproval(first.e2e, first.api, io, first.backup), approveDevice(alice.first.e2e, alice.first.api, io, undefined, alice.first.backup)]);
    const old = (await alice.first.api.verifications()).find((v) => v.state.secret)!.state.secret!;
    // The next approval's approver sends nothing; the server offers the earlier verification's sealed key.
    const second = await secondDevice(alice.username, true);
    const [history] = await Promise.all([
      requestApproval(second.e2e, tampering(second.api, (v) => (v.state.step === 'done' ? { ...v, state: { ...v.state, secret: old } } : v)), io, second.backup),
      approveDevice(alice.first.e2e, alice.first.api, io, undefined, undefined),
    ]);
    expect(history).toMatchObject({ backup: 'refused' });
    expect(await second.store.get('backupKey', 'current')).toBeUndefined();
  });

  it('the server takes a secret only from the approving device, once, after both devices confirmed', async () => {
    const alice = await aliceWithHistory('rules');
    const second = await secondDevice(alice.username, true);
    const third = await secondDevice(alice.username, true);
    const v = await second.api.startVerification(randomUUID(), 'A'.repeat(43));
    const secret = { action: 'secret' as const, name: 'backup_key' as const, iv: 'A'.repeat(16), ct: 'B'.repeat(40) };
    const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code);
    await alice.first.api.verificationStep(v.id, { action: 'accept', key: 'B'.repeat(87) });
    await second.api.verificationStep(v.id, { action: 'reveal', key: 'C'.repeat(87) });
    expect(await codeOf(alice.first.api.verificationStep(v.id, secret))).toBe('conflict');
    await second.api.verificationStep(v.id, { action: 'confirm' });
    await alice.first.api.verificationStep(v.id, { action: 'confirm' });
    expect(await codeOf(second.api.verificationStep(v.id, secret))).toBe('forbidden');
    expect(await codeOf(third.api.verificationStep(v.id, secret))).toBe('forbidden');
    expect(await codeOf(alice.first.api.verificationStep(v.id, secret))).toBe('ok');
    expect(await codeOf(alice.first.api.verificationStep(v.id, { ...secret, ct: 'C'.repeat(40) }))).toBe('conflict');
    expect((await second.api.verification(v.id)).state.secret).toEqual({ name: 'backup_key', iv: secret.iv, ct: secret.ct });
  });
});
