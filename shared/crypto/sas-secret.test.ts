// The secret an approving device sends the new one over a device verification (sas.ts sealSasSecret /
// openSasSecret): only the two devices whose code the users compared can make or open it, and it opens
// only in its own verification, direction and name.
import { describe, expect, it } from 'vitest';
import { fromBase64Url, toBase64Url } from './bytes.js';
import type { SasContext, SasSecretBox } from './sas.js';
import { newSasKey, openSasSecret, sasCode, sealSasSecret } from './sas.js';

const device = (id: string) => ({ deviceId: id, signingKey: `sign-${id}`, dhKey: `dh-${id}` });
const context = (verificationId = 'v1'): SasContext => ({ verificationId, userId: 'alice', identityKey: 'identity', newDevice: device('new'), approverDevice: device('old') });
const SECRET = JSON.stringify({ v: 1, version: 3, keyCheck: 'check', key: 'k'.repeat(43) });

/** One verification's two ephemeral keys, their roles, and a secret sealed by the approver. */
async function verification(ctx = context()) {
  const approver = await newSasKey();
  const newcomer = await newSasKey();
  const roles = { newKey: newcomer.publicKey, approverKey: approver.publicKey };
  const box = await sealSasSecret(ctx, approver, newcomer.publicKey, roles, 'backup_key', SECRET);
  return { ctx, approver, newcomer, roles, box };
}

/** The box with one bit of its ciphertext flipped. */
function flipped(box: SasSecretBox): SasSecretBox {
  const ct = fromBase64Url(box.ct);
  ct[5] = (ct[5] ?? 0) ^ 1;
  return { iv: box.iv, ct: toBase64Url(ct) };
}

describe('secrets sent over a device verification', () => {
  it('opens on the new device, under the same derivation as the code both devices compared', async () => {
    const v = await verification();
    expect(await sasCode(v.ctx, v.approver, v.newcomer.publicKey, v.roles)).toBe(await sasCode(v.ctx, v.newcomer, v.approver.publicKey, v.roles));
    expect(await openSasSecret(v.ctx, v.newcomer, v.approver.publicKey, v.roles, 'backup_key', v.box)).toBe(SECRET);
    expect(v.box.ct).not.toContain('k'.repeat(10));
  });

  it('refuses a ciphertext or IV altered on the way', async () => {
    const v = await verification();
    await expect(openSasSecret(v.ctx, v.newcomer, v.approver.publicKey, v.roles, 'backup_key', flipped(v.box))).rejects.toMatchObject({ code: 'secret_refused' });
    const iv = fromBase64Url(v.box.iv);
    iv[0] = (iv[0] ?? 0) ^ 1;
    await expect(openSasSecret(v.ctx, v.newcomer, v.approver.publicKey, v.roles, 'backup_key', { iv: toBase64Url(iv), ct: v.box.ct })).rejects.toMatchObject({ code: 'secret_refused' });
    await expect(openSasSecret(v.ctx, v.newcomer, v.approver.publicKey, v.roles, 'backup_key', { iv: 'not base64!', ct: v.box.ct })).rejects.toMatchObject({ code: 'secret_refused' });
  });

  it('refuses a secret from a device that was not verified: another device (or the server) with an ephemeral key of its own', async () => {
    const v = await verification();
    const other = await newSasKey();
    // The other device seals to the new device's key; the new device opens with the approver's key it compared the code over.
    const forged = await sealSasSecret(v.ctx, other, v.newcomer.publicKey, { newKey: v.newcomer.publicKey, approverKey: other.publicKey }, 'backup_key', SECRET);
    await expect(openSasSecret(v.ctx, v.newcomer, v.approver.publicKey, v.roles, 'backup_key', forged)).rejects.toMatchObject({ code: 'secret_refused' });
    // A device other than the new one cannot open what the approver sent.
    await expect(openSasSecret(v.ctx, other, v.approver.publicKey, v.roles, 'backup_key', v.box)).rejects.toMatchObject({ code: 'secret_refused' });
  });

  it('refuses a secret replayed from another verification, another device pair, direction or name', async () => {
    const first = await verification(context('v1'));
    const second = await verification(context('v2'));
    // The first verification's box, offered in the second (its own keys).
    await expect(openSasSecret(second.ctx, second.newcomer, second.approver.publicKey, second.roles, 'backup_key', first.box)).rejects.toMatchObject({ code: 'secret_refused' });
    // The same keys but another verification id or device ids bound: it does not open either.
    await expect(openSasSecret(context('v2'), first.newcomer, first.approver.publicKey, first.roles, 'backup_key', first.box)).rejects.toMatchObject({ code: 'secret_refused' });
    const swapped = { ...first.ctx, newDevice: first.ctx.approverDevice, approverDevice: first.ctx.newDevice };
    await expect(openSasSecret(swapped, first.newcomer, first.approver.publicKey, first.roles, 'backup_key', first.box)).rejects.toMatchObject({ code: 'secret_refused' });
    await expect(openSasSecret(first.ctx, first.newcomer, first.approver.publicKey, first.roles, 'identity_key', first.box)).rejects.toMatchObject({ code: 'secret_refused' });
  });
});
