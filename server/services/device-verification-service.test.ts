import { describe, expect, it } from 'vitest';
import type { VerificationState } from '../../shared/protocol/index.js';
import type { Bus } from '../bus/bus.js';
import type { Store, VerificationRecord } from '../store/store.js';
import { DeviceVerificationService } from './device-verification-service.js';
import type { AccessClaims } from './tokens.js';

const claims = (deviceId: string): AccessClaims => ({ userId: 'alice', username: 'alice', deviceId, sessionId: 's', expiresAtMs: Date.now() + 60_000 }) as AccessClaims;

/** A store holding one verification, revealed, where `before` runs just before each compare-and-set (another device's write landing first). */
function storeWith(before: (record: { state: VerificationState }) => void) {
  const record: { state: VerificationState } & Omit<VerificationRecord, 'state'> = {
    id: 'v1',
    userId: 'alice',
    newDevice: 'new',
    createdAt: new Date(),
    state: { step: 'revealed', commitment: 'c', approverDevice: 'old', approverKey: 'k', newKey: 'n', newConfirmed: false, approverConfirmed: false, reason: null, secret: null },
  };
  const store = {
    findVerification: async () => ({ ...record, state: { ...record.state } }),
    advanceVerification: async (_id: string, prev: VerificationState, next: VerificationState) => {
      before(record);
      if (JSON.stringify(prev) !== JSON.stringify(record.state)) return false;
      record.state = next;
      return true;
    },
  } as unknown as Store;
  return { store, record };
}

const bus = { publish: async () => undefined } as unknown as Bus;

describe('DeviceVerificationService', () => {
  it('lands both confirms when the two devices confirm at the same moment (the write that lost is checked again)', async () => {
    let raced = false;
    const { store, record } = storeWith((r) => {
      // The new device's confirm lands between the approver's read and its write.
      if (!raced) {
        raced = true;
        r.state = { ...r.state, newConfirmed: true };
      }
    });
    const service = new DeviceVerificationService({ store, bus });
    const after = await service.step(claims('old'), 'v1', { action: 'confirm' });
    expect(after.state).toMatchObject({ newConfirmed: true, approverConfirmed: true });
    expect(record.state).toMatchObject({ newConfirmed: true, approverConfirmed: true });
  });

  it('still refuses a step the winning write made wrong: a second secret after the first landed', async () => {
    // The race comes only at the secret.
    let raced = true;
    const { store } = storeWith((r) => {
      if (!raced) {
        raced = true;
        r.state = { ...r.state, secret: { name: 'backup_key', iv: 'A'.repeat(16), ct: 'B'.repeat(40) } };
      }
    });
    const service = new DeviceVerificationService({ store, bus });
    await service.step(claims('new'), 'v1', { action: 'confirm' });
    await service.step(claims('old'), 'v1', { action: 'confirm' });
    raced = false;
    await expect(service.step(claims('old'), 'v1', { action: 'secret', name: 'backup_key', iv: 'C'.repeat(16), ct: 'D'.repeat(40) })).rejects.toMatchObject({ code: 'conflict' });
  });
});
