// The Wycheproof vectors, run through the package's own wrappers (primitives.ts): what they accept
// and refuse is what the package accepts and refuses.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { concat, fromBase64Url, fromHex, toHex } from './bytes.js';
import { aesGcmDecrypt, aesGcmEncrypt, ecdh, hkdf, hmacSha256, importEcdhPublicKey, importSigningPublicKey, verify } from './primitives.js';

interface Vector {
  tcId: number;
  comment: string;
  result: 'valid' | 'invalid' | 'acceptable';
  [field: string]: unknown;
}
interface Suite {
  testGroups: ({ tests: Vector[] } & Record<string, unknown>)[];
}

const load = (file: string): Suite => JSON.parse(readFileSync(join(import.meta.dirname, 'testdata/wycheproof', file), 'utf8')) as Suite;
const cases = (suite: Suite, keep: (g: Record<string, unknown>) => boolean = () => true) =>
  suite.testGroups.filter(keep).flatMap((g) => g.tests.map((t) => ({ group: g, t })));

/** A JWK public key as the raw uncompressed point our wrapper takes; null when the JWK cannot be one. */
function rawFromJwk(jwk: Record<string, unknown>): Uint8Array | null {
  try {
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') return null;
    const x = fromBase64Url(jwk.x);
    const y = fromBase64Url(jwk.y);
    if (x.length !== 32 || y.length !== 32) return null;
    return concat(new Uint8Array([4]), x, y);
  } catch {
    return null;
  }
}

describe('Wycheproof ECDH P-256 (WebCrypto JWK vectors)', () => {
  const all = cases(load('ecdh_secp256r1_webcrypto_test.json'));
  it(`runs ${all.length} vectors: valid ones agree, invalid public keys are refused`, async () => {
    let checked = 0;
    for (const { t } of all) {
      const priv = await crypto.subtle.importKey('jwk', t.private as JsonWebKey, { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
      const raw = rawFromJwk(t.public as Record<string, unknown>);
      let shared: string | null = null;
      try {
        if (raw) shared = toHex(await ecdh(priv, await importEcdhPublicKey(raw)));
      } catch {
        shared = null;
      }
      if (t.result === 'valid') expect(shared, `tcId ${t.tcId} ${t.comment}`).toBe(t.shared);
      if (t.result === 'invalid') expect(shared, `tcId ${t.tcId} ${t.comment}`).toBeNull();
      checked++;
    }
    expect(checked).toBe(all.length);
  });
});

describe('Wycheproof ECDSA P-256 / SHA-256, raw r‖s (P1363) signatures', () => {
  const all = cases(load('ecdsa_secp256r1_sha256_p1363_test.json'));
  it(`runs ${all.length} vectors: valid signatures verify, invalid ones do not`, async () => {
    for (const { group, t } of all) {
      const raw = fromHex((group.publicKey as { uncompressed: string }).uncompressed);
      let ok: boolean;
      try {
        ok = await verify(await importSigningPublicKey(raw), fromHex(t.sig as string), fromHex(t.msg as string));
      } catch {
        ok = false;
      }
      if (t.result === 'valid') expect(ok, `tcId ${t.tcId} ${t.comment}`).toBe(true);
      if (t.result === 'invalid') expect(ok, `tcId ${t.tcId} ${t.comment}`).toBe(false);
    }
  });
});

describe('Wycheproof AES-GCM (the package uses 256-bit keys, 96-bit IVs, 128-bit tags)', () => {
  const all = cases(load('aes_gcm_test.json'), (g) => g.keySize === 256 && g.ivSize === 96 && g.tagSize === 128);
  it(`runs ${all.length} vectors: valid ones round-trip, tampered ones are refused`, async () => {
    expect(all.length).toBeGreaterThan(20);
    for (const { t } of all) {
      const [key, iv, aad, msg, ct, tag] = ['key', 'iv', 'aad', 'msg', 'ct', 'tag'].map((f) => fromHex(t[f] as string)) as Uint8Array[];
      let opened: string | null;
      try {
        opened = toHex(await aesGcmDecrypt(key!, iv!, concat(ct!, tag!), aad!));
      } catch {
        opened = null;
      }
      if (t.result === 'valid') {
        expect(opened, `tcId ${t.tcId}`).toBe(t.msg);
        expect(toHex(await aesGcmEncrypt(key!, iv!, msg!, aad!)), `tcId ${t.tcId}`).toBe(`${t.ct}${t.tag}`);
      }
      if (t.result === 'invalid') expect(opened, `tcId ${t.tcId} ${t.comment}`).toBeNull();
    }
  });

  it('refuses the key and IV sizes the package does not use', async () => {
    await expect(aesGcmEncrypt(new Uint8Array(16), new Uint8Array(12), new Uint8Array(1), new Uint8Array())).rejects.toMatchObject({ code: 'invalid_key' });
    await expect(aesGcmEncrypt(new Uint8Array(32), new Uint8Array(16), new Uint8Array(1), new Uint8Array())).rejects.toMatchObject({ code: 'invalid_key' });
  });
});

describe('Wycheproof HKDF-SHA-256', () => {
  const all = cases(load('hkdf_sha256_test.json'));
  it(`runs ${all.length} vectors`, async () => {
    for (const { t } of all) {
      let okm: string | null;
      try {
        okm = toHex(await hkdf(fromHex(t.ikm as string), fromHex(t.salt as string), fromHex(t.info as string), t.size as number));
      } catch {
        okm = null;
      }
      if (t.result === 'valid') expect(okm, `tcId ${t.tcId} ${t.comment}`).toBe(t.okm);
      if (t.result === 'invalid') expect(okm, `tcId ${t.tcId} ${t.comment}`).toBeNull();
    }
  });
});

describe('Wycheproof HMAC-SHA-256', () => {
  const all = cases(load('hmac_sha256_test.json'));
  it(`runs ${all.length} vectors (truncated tags compared on their length)`, async () => {
    for (const { group, t } of all) {
      const tagBytes = (group.tagSize as number) / 8;
      let tag: string | null;
      try {
        tag = toHex((await hmacSha256(fromHex(t.key as string), fromHex(t.msg as string))).slice(0, tagBytes));
      } catch {
        tag = null;
      }
      if (t.result === 'valid') expect(tag, `tcId ${t.tcId} ${t.comment}`).toBe(t.tag);
      if (t.result === 'invalid') expect(tag, `tcId ${t.tcId} ${t.comment}`).not.toBe(t.tag);
    }
  });
});
