import { describe, expect, it } from 'vitest';
import { generateDeviceKeys, publicBundle } from './identity.js';
import { checkSasCommitment, decimalSas, newSasKey, sameSasCode, sasCode, sasCommitment } from './sas.js';
import type { SasContext } from './sas.js';
import { exportUserIdentity, generateUserIdentity, importUserIdentity, signDevice, verifyDeviceSignature } from './user-identity.js';

const USER = '6f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8d';
const OTHER = '7f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8d';

async function device(deviceId: string, userId = USER) {
  return publicBundle(await generateDeviceKeys({ userId, deviceId, extractable: true, now: 1 }));
}

describe('cross-signing', () => {
  it('verifies a device signed by the identity key, and nothing else', async () => {
    const identity = await generateUserIdentity(true);
    const other = await generateUserIdentity(true);
    const d1 = await device('11111111-1111-4111-8111-111111111111');
    const d2 = await device('22222222-2222-4222-8222-222222222222');
    const sig = await signDevice(identity, d1);
    expect(await verifyDeviceSignature(identity.publicKey, d1, sig)).toBe(true);
    // Another identity's key, another device's keys, a swapped signing key, another user: refused.
    expect(await verifyDeviceSignature(other.publicKey, d1, sig)).toBe(false);
    expect(await verifyDeviceSignature(identity.publicKey, d2, sig)).toBe(false);
    expect(await verifyDeviceSignature(identity.publicKey, { ...d1, signingKey: d2.signingKey }, sig)).toBe(false);
    expect(await verifyDeviceSignature(identity.publicKey, { ...d1, dhKey: d2.dhKey }, sig)).toBe(false);
    expect(await verifyDeviceSignature(identity.publicKey, { ...d1, userId: OTHER }, sig)).toBe(false);
    expect(await verifyDeviceSignature('not-a-key', d1, sig)).toBe(false);
    expect(await verifyDeviceSignature(identity.publicKey, d1, '!!')).toBe(false);
  });

  it('exports the identity for a backup and imports it back, non-extractable if asked', async () => {
    const identity = await generateUserIdentity(true);
    const jwk = await exportUserIdentity(identity);
    const restored = await importUserIdentity(jwk, false);
    expect(restored.publicKey).toBe(identity.publicKey);
    const d1 = await device('11111111-1111-4111-8111-111111111111');
    expect(await verifyDeviceSignature(identity.publicKey, d1, await signDevice(restored, d1))).toBe(true);
    await expect(exportUserIdentity(restored)).rejects.toMatchObject({ code: 'invalid_key' });
    await expect(importUserIdentity({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, false)).rejects.toMatchObject({ code: 'invalid_key' });
  });
});

describe('short authentication strings', () => {
  async function ctxFor(id: string): Promise<SasContext> {
    const identity = await generateUserIdentity(false);
    const n = await device('11111111-1111-4111-8111-111111111111');
    const a = await device('22222222-2222-4222-8222-222222222222');
    return { verificationId: id, userId: USER, identityKey: identity.publicKey, newDevice: n, approverDevice: a };
  }

  it('gives both devices the same code, and a different one when the server swapped a key', async () => {
    const ctx = await ctxFor('33333333-3333-4333-8333-333333333333');
    const [n, a] = await Promise.all([newSasKey(), newSasKey()]);
    const roles = { newKey: n.publicKey, approverKey: a.publicKey };
    const onNew = await sasCode(ctx, n, a.publicKey, roles);
    const onApprover = await sasCode(ctx, a, n.publicKey, roles);
    expect(onNew).toMatch(/^\d{4} \d{4} \d{4}$/);
    expect(onApprover).toBe(onNew);
    // The server shows the approver another signing key for the new device, or another identity key to the new device.
    const other = await device('44444444-4444-4444-8444-444444444444');
    expect(await sasCode({ ...ctx, newDevice: { ...ctx.newDevice, signingKey: other.signingKey } }, a, n.publicKey, roles)).not.toBe(onNew);
    expect(await sasCode({ ...ctx, identityKey: (await generateUserIdentity(false)).publicKey }, n, a.publicKey, roles)).not.toBe(onNew);
    // A man in the middle with its own ephemeral keys on each side.
    const [m1, m2] = await Promise.all([newSasKey(), newSasKey()]);
    const newSees = await sasCode(ctx, n, m1.publicKey, { newKey: n.publicKey, approverKey: m1.publicKey });
    const approverSees = await sasCode(ctx, a, m2.publicKey, { newKey: m2.publicKey, approverKey: a.publicKey });
    expect(newSees).not.toBe(approverSees);
  });

  it('refuses a revealed key that does not match the commitment', async () => {
    const id = '33333333-3333-4333-8333-333333333333';
    const [n, m] = await Promise.all([newSasKey(), newSasKey()]);
    const commitment = await sasCommitment(id, n.publicKey);
    await expect(checkSasCommitment(id, n.publicKey, commitment)).resolves.toBeUndefined();
    await expect(checkSasCommitment(id, m.publicKey, commitment)).rejects.toMatchObject({ code: 'bad_signature' });
    await expect(checkSasCommitment('44444444-4444-4444-8444-444444444444', n.publicKey, commitment)).rejects.toMatchObject({ code: 'bad_signature' });
  });

  it('reads 39 bits as three numbers 1000–9191, as Matrix does', () => {
    expect(decimalSas(new Uint8Array([0, 0, 0, 0, 0]))).toBe('1000 1000 1000');
    expect(decimalSas(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff]))).toBe('9191 9191 9191');
    // n1 = 1<<5 | 2>>3 = 32; n2 = (2&7)<<10 | 0<<2 | 0x40>>6 = 2049; n3 = (0x40&0x3f)<<7 | 0x80>>1 = 64
    expect(decimalSas(new Uint8Array([0x01, 0x02, 0x00, 0x40, 0x80]))).toBe('1032 3049 1064');
    expect(sameSasCode('1234-5678 9012', '1234 5678 9012')).toBe(true);
    expect(sameSasCode('1234 5678 9013', '1234 5678 9012')).toBe(false);
    expect(sameSasCode('', '')).toBe(false);
  });
});
