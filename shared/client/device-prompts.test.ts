import { describe, expect, it, vi } from 'vitest';
import { DevicePrompts, promptFor } from './device-prompts.js';
import type { AccountDevice, E2ESession, IdentityStatus } from './e2e-session.js';
import type { ApiClient } from './api-client.js';
import { Emitter } from './emitter.js';
import type { RestoreReport } from './key-backup.js';

const device = (id: string, approved: boolean, current = false): AccountDevice => ({
  device: { deviceId: id, name: `device ${id}`, createdAt: '2026-11-30T02:00:00.000Z' },
  keys: true,
  approved,
  current,
  isNew: false,
});

/** An E2E session whose standing and device list the test sets. */
function fakeE2E(state: { status: IdentityStatus; devices: AccountDevice[] }) {
  return { identityStatus: vi.fn(async () => state.status), accountDevices: vi.fn(async () => state.devices) } as unknown as E2ESession;
}

const settle = () => new Promise((r) => setTimeout(r, 0));

/** A live client that the test makes send `devices` frames. */
class FakeLive extends Emitter<{ devices: Record<string, never> }> {
  devicesFrame(): void {
    this.emit('devices', {});
  }
}

describe('DevicePrompts', () => {
  it('prompts, on the device holding the identity key, for each other device not approved, again at a `devices` frame, and hides a dismissed one', async () => {
    const state = { status: 'holder' as IdentityStatus, devices: [device('me', true, true), device('old', true)] };
    const live = new FakeLive();
    const prompts = new DevicePrompts({ e2e: fakeE2E(state), api: {} as ApiClient, live, autoRequest: false });
    await prompts.start();
    expect(prompts.getSnapshot()).toMatchObject({ status: 'holder', canApprove: true, prompts: [], flow: null });

    state.devices = [...state.devices, device('new', false)];
    const changed = vi.fn();
    prompts.subscribe(changed);
    live.devicesFrame();
    await vi.waitFor(() => expect(prompts.getSnapshot().prompts.map((d) => d.device.deviceId)).toEqual(['new']));
    expect(changed).toHaveBeenCalled();

    prompts.dismiss('new');
    expect(prompts.getSnapshot().prompts).toEqual([]);
    live.devicesFrame();
    await settle();
    await prompts.refresh();
    expect(prompts.getSnapshot().prompts).toEqual([]);
    prompts.stop();
  });

  it('offers no approval on a device that is not approved, and restoring with the recovery key makes it the holder', async () => {
    const state = { status: 'unapproved' as IdentityStatus, devices: [device('me', false, true), device('other', false)] };
    const report: RestoreReport = { version: 1, added: 2, extended: 0, kept: 0, refused: 0, identity: 'restored' };
    const backup = {
      restore: vi.fn(async () => {
        state.status = 'holder';
        return report;
      }),
    };
    const prompts = new DevicePrompts({ e2e: fakeE2E(state), api: {} as ApiClient, live: new FakeLive(), backup, autoRequest: false });
    await prompts.start();
    expect(prompts.getSnapshot()).toMatchObject({ status: 'unapproved', canApprove: false, prompts: [] });
    await expect(prompts.restore('KEY')).resolves.toBe(report);
    expect(backup.restore).toHaveBeenCalledWith('KEY');
    expect(prompts.getSnapshot()).toMatchObject({ status: 'holder', canApprove: true });
    expect(prompts.getSnapshot().prompts.map((d) => d.device.deviceId)).toEqual(['other']);
  });

  it('refuses to restore without a key backup', async () => {
    const prompts = new DevicePrompts({ e2e: fakeE2E({ status: 'unapproved', devices: [] }), api: {} as ApiClient, live: new FakeLive(), autoRequest: false });
    await expect(prompts.restore('KEY')).rejects.toMatchObject({ code: 'internal' });
  });
});

describe('DevicePrompts approving a device that gets revoked', () => {
  it('ends that approval with "the new device was revoked" at the `devices` frame and lets the next pending device be approved', async () => {
    const state = { status: 'holder' as IdentityStatus, devices: [device('me', true, true), device('a2', false), device('b3', false)] };
    const e2e = Object.assign(fakeE2E(state), { device: async () => ({ userId: 'carol', deviceId: 'me' }), heldIdentity: async () => ({ publicKey: 'identity' }) }) as unknown as E2ESession;
    const requested = (newDevice: string) => ({
      id: `v-${newDevice}`,
      userId: 'carol',
      newDevice,
      createdAt: '2026-11-30T02:00:00.000Z',
      state: { step: 'requested', commitment: 'c', approverDevice: null, approverKey: null, newKey: null, newConfirmed: false, approverConfirmed: false, reason: null },
    });
    const present = () => state.devices.map((d) => ({ deviceId: d.device.deviceId }));
    // A server that leaves the accepted verification as it is: the prompts see the revocation in the device list.
    const api = {
      verifications: vi.fn(async () => state.devices.filter((d) => !d.current).map((d) => requested(d.device.deviceId))),
      verificationStep: vi.fn(async (id: string) => ({ ...requested(id.slice(2)), state: { ...requested(id.slice(2)).state, step: 'accepted' } })),
      verification: vi.fn(async (id: string) => ({ ...requested(id.slice(2)), state: { ...requested(id.slice(2)).state, step: 'accepted' } })),
      deviceActivity: vi.fn(async () => present()),
    } as unknown as ApiClient;
    const live = new FakeLive();
    // Waits end only at a `devices` frame.
    const prompts = new DevicePrompts({ e2e, api, live, autoRequest: false, sleep: () => new Promise<void>(() => undefined) });
    await prompts.start();
    void prompts.approve('a2');
    await vi.waitFor(() => expect(api.verification).toHaveBeenCalled());
    expect(prompts.getSnapshot().flow).toMatchObject({ step: 'waiting', role: 'approver', deviceId: 'a2' });

    state.devices = state.devices.filter((d) => d.device.deviceId !== 'a2');
    live.devicesFrame();
    await vi.waitFor(() => expect(prompts.getSnapshot().flow).toMatchObject({ step: 'failed', deviceId: 'a2', message: 'the new device was revoked' }));
    expect(prompts.getSnapshot().prompts.map((d) => d.device.deviceId)).toEqual(['b3']);

    prompts.close();
    void prompts.approve('b3');
    await vi.waitFor(() => expect(api.verificationStep).toHaveBeenCalledWith('v-b3', expect.objectContaining({ action: 'accept' })));
    expect(prompts.getSnapshot().flow).toMatchObject({ step: 'waiting', deviceId: 'b3' });
    prompts.stop();
  });

  it('prompts for a sign-in that published no keys, and announces it (promptFor) on a device that cannot approve too', async () => {
    const ghost = { ...device('ghost', false), keys: false };
    const state = { status: 'approved' as IdentityStatus, devices: [device('me', true, true), device('keyed', false), ghost] };
    const prompts = new DevicePrompts({ e2e: fakeE2E(state), api: {} as ApiClient, live: new FakeLive(), autoRequest: false });
    await prompts.start();
    const snap = prompts.getSnapshot();
    expect(snap.prompts.map((d) => d.device.deviceId)).toEqual(['keyed', 'ghost']);
    // Not the holder: a keyed device waits for the holder to approve it; the keyless one is announced here.
    expect(promptFor(snap)?.device.deviceId).toBe('ghost');
    expect(promptFor({ ...snap, canApprove: true })?.device.deviceId).toBe('keyed');
    expect(promptFor({ ...snap, flow: { step: 'waiting', role: 'approver', what: 'x' } })).toBeUndefined();
    prompts.stop();
  });
});
