import { describe, expect, it, vi } from 'vitest';
import type { DeviceActivity, Verification } from '../protocol/index.js';
import { ChatError } from '../protocol/index.js';
import type { ApiClient } from './api-client.js';
import { approveDevice } from './device-approval.js';
import type { ApprovalIo } from './device-approval.js';
import type { E2ESession } from './e2e-session.js';

const activity = (deviceId: string): DeviceActivity => ({ deviceId, name: deviceId, createdAt: '2026-11-30T02:00:00.000Z', addedFrom: null, signedInAt: null, signedInFrom: null, lastSeenAt: null });

const verification = (step: Verification['state']['step']): Verification => ({
  id: 'v1',
  userId: 'carol',
  newDevice: 'a2',
  createdAt: '2026-11-30T02:00:00.000Z',
  state: { step, commitment: 'c', approverDevice: step === 'requested' ? null : 'me', approverKey: null, newKey: null, newConfirmed: false, approverConfirmed: false, reason: null },
});

/** The approving device: it holds the identity key. */
const holder = { device: async () => ({ userId: 'carol', deviceId: 'me' }), heldIdentity: async () => ({ publicKey: 'identity' }) } as unknown as E2ESession;

/** A server where a2 asked for approval and `revoked` says whether a2 was revoked since; `down` failures to answer come first. */
function fakeServer(state: { revoked: boolean; asked: boolean; down: number }) {
  const unreachable = () => {
    if (state.down <= 0) return;
    state.down -= 1;
    throw new ChatError('unavailable', 'cannot reach the server (ECONNREFUSED)');
  };
  return {
    verifications: vi.fn(async () => {
      unreachable();
      return state.asked ? [verification('requested')] : [];
    }),
    verificationStep: vi.fn(async () => verification('accepted')),
    // The server of an older build does not cancel on revoke: the verification stays accepted.
    verification: vi.fn(async () => verification('accepted')),
    deviceActivity: vi.fn(async () => {
      unreachable();
      return state.revoked ? [activity('me')] : [activity('me'), activity('a2')];
    }),
  };
}

describe('approveDevice', () => {
  it('fails with "the new device was revoked" when the device it approves is revoked while it waits for it', async () => {
    const state = { revoked: false, asked: true, down: 0 };
    const api = fakeServer(state);
    const io: ApprovalIo = {
      confirmCode: async () => true,
      wait: async () => {
        state.revoked = true;
      },
    };
    await expect(approveDevice(holder, api as unknown as ApiClient, io, 'a2')).rejects.toMatchObject({ code: 'conflict', message: 'the new device was revoked' });
    expect(api.verificationStep).toHaveBeenCalledWith('v1', { action: 'cancel', reason: 'the new device was revoked' });
  });

  it('waits out a server that cannot be reached for a while, and stops waiting for a device that asks no more because it was revoked', async () => {
    const state = { revoked: false, asked: false, down: 2 };
    const api = fakeServer(state);
    const waits: number[] = [];
    const io: ApprovalIo = {
      confirmCode: async () => true,
      wait: async (ms) => {
        waits.push(ms);
        if (waits.length === 4) state.revoked = true;
      },
    };
    await expect(approveDevice(holder, api as unknown as ApiClient, io, 'a2')).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('the new device was revoked') });
    expect(api.verifications.mock.calls.length).toBeGreaterThan(2);
  });
});
