// Known-answer tests with fixed inputs, checked against an independent implementation (node:crypto),
// and group tests in the manner of libsignal's sender-key tests.
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromBase64Url, toBase64Url, toHex } from './bytes.js';
import type { Envelope } from './envelope.js';
import { decryptMessage, encryptMessage } from './envelope.js';
import type { DeviceKeys, VerifiedBundle } from './identity.js';
import { exportDeviceKeys, generateDeviceKeys, importDeviceKeys, publicBundle, rotatePrekeyIfDue, verifyBundle } from './identity.js';
import { openShare, sealShare } from './key-distribution.js';
import { exportPublicKey, generateSigningKeyPair, importSigningPublicKey, sign, verify } from './primitives.js';
import { fingerprint, formatSafetyNumber, safetyNumber } from './safety-number.js';
import type { InboundChain, OutboundChain } from './sender-chain.js';
import { chainIsWornOut, inboundFromShare, MAX_SKIPPED_KEYS, messageKeyFor, newOutboundChain, ratchet, shareOf } from './sender-chain.js';

const ROOM = '3f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8d';
const NOW = 1_800_000_000_000;

describe('known answers', () => {
  it('ratchets MK = HMAC(CK, 0x01) and CK\' = HMAC(CK, 0x02)', async () => {
    const ck = Uint8Array.from({ length: 32 }, (_, i) => i);
    const { messageKey, nextChainKey } = await ratchet(ck);
    expect(toHex(messageKey)).toBe(createHmac('sha256', ck).update(Buffer.from([1])).digest('hex'));
    expect(toHex(nextChainKey)).toBe(createHmac('sha256', ck).update(Buffer.from([2])).digest('hex'));
  });

  it('computes Signal\'s numeric fingerprint as an independent implementation does', async () => {
    const keys = [toBase64Url(Uint8Array.from({ length: 65 }, (_, i) => (i * 7 + 4) % 256)), toBase64Url(Uint8Array.from({ length: 65 }, (_, i) => (i * 13 + 4) % 256))];
    const expected = (() => {
      const key = Buffer.concat([...keys].sort().map((k) => Buffer.from(fromBase64Url(k))));
      let hash = createHash('sha512').update(Buffer.concat([Buffer.from([0, 0]), key, Buffer.from('user-1')])).digest();
      for (let i = 0; i < 5200; i++) hash = createHash('sha512').update(Buffer.concat([hash, key])).digest();
      let out = '';
      for (let i = 0; i < 30; i += 5) out += String(hash.readUIntBE(i, 5) % 100000).padStart(5, '0');
      return out;
    })();
    expect(await fingerprint('user-1', keys)).toBe(expected);
    expect(await fingerprint('user-1', [...keys].reverse())).toBe(expected);
  });
});

describe('imported verification keys', () => {
  it('imports the same public key once (opening a history verifies every message with it), and keeps no refused key', async () => {
    const pair = await generateSigningKeyPair(false);
    const raw = await exportPublicKey(pair.publicKey);
    const first = await importSigningPublicKey(raw);
    expect(await importSigningPublicKey(new Uint8Array(raw))).toBe(first);
    const signature = await sign(pair.privateKey, new Uint8Array([1, 2, 3]));
    expect(await verify(first, signature, new Uint8Array([1, 2, 3]))).toBe(true);
    const offCurve = new Uint8Array(65).fill(7);
    offCurve[0] = 0x04;
    await expect(importSigningPublicKey(offCurve)).rejects.toMatchObject({ code: 'invalid_key' });
    await expect(importSigningPublicKey(offCurve)).rejects.toMatchObject({ code: 'invalid_key' });
    await expect(importSigningPublicKey(new Uint8Array(3))).rejects.toMatchObject({ code: 'invalid_key' });
  });
});

describe('safety numbers', () => {
  it('are 60 digits, the same for both users, stable, and change when a device key changes', async () => {
    const a = { userId: 'a', keys: [toBase64Url(new Uint8Array(65).fill(4))] };
    const b = { userId: 'b', keys: [toBase64Url(new Uint8Array(65).fill(9))] };
    const ab = await safetyNumber(a, b);
    expect(ab).toMatch(/^\d{60}$/);
    expect(await safetyNumber(b, a)).toBe(ab);
    expect(await safetyNumber(a, b)).toBe(ab);
    const b2 = { userId: 'b', keys: [...b.keys, toBase64Url(new Uint8Array(65).fill(5))] };
    expect(await safetyNumber(a, b2)).not.toBe(ab);
    expect(formatSafetyNumber(ab).split(' ')).toHaveLength(12);
  });
});

describe('device keys', () => {
  it('publish a self-signed bundle that verifies, and refuse a tampered one', async () => {
    const keys = await generateDeviceKeys({ userId: 'u1', deviceId: 'd1', extractable: false, now: NOW });
    const bundle = await publicBundle(keys);
    await expect(verifyBundle(bundle)).resolves.toMatchObject({ bundle });
    const other = await publicBundle(await generateDeviceKeys({ userId: 'u1', deviceId: 'd1', extractable: false, now: NOW }));
    await expect(verifyBundle({ ...bundle, prekey: other.prekey })).rejects.toMatchObject({ code: 'bad_signature' });
    await expect(verifyBundle({ ...bundle, userId: 'u2' })).rejects.toMatchObject({ code: 'bad_signature' });
    await expect(verifyBundle({ ...bundle, signingKey: toBase64Url(new Uint8Array(65).fill(4)) })).rejects.toMatchObject({ code: 'invalid_key' });
    await expect(verifyBundle({ ...bundle, dhKey: toBase64Url(new Uint8Array(33).fill(2)) })).rejects.toMatchObject({ code: 'bad_signature' });
  });

  it('export and import without changing identity', async () => {
    const keys = await generateDeviceKeys({ userId: 'u1', deviceId: 'd1', extractable: true, now: NOW });
    const back = await importDeviceKeys(JSON.parse(JSON.stringify(await exportDeviceKeys(keys))));
    const data = new Uint8Array([1, 2, 3]);
    expect(await verify(keys.signing.publicKey, await sign(back.signing.privateKey, data), data)).toBe(true);
    expect(toHex(await exportPublicKey(back.dh.publicKey))).toBe(toHex(await exportPublicKey(keys.dh.publicKey)));
  });

  it('rotate the signed prekey weekly', async () => {
    const keys = await generateDeviceKeys({ userId: 'u1', deviceId: 'd1', extractable: false, now: NOW });
    expect(await rotatePrekeyIfDue(keys, NOW + 1000, false)).toBe(keys);
    const rotated = await rotatePrekeyIfDue(keys, NOW + 8 * 24 * 3600 * 1000, false);
    expect(rotated.prekey.id).toBe(2);
  });
});

/** A device of a group member, with what others need to reach it. */
interface Member {
  keys: DeviceKeys;
  verified: VerifiedBundle;
  chains: Map<string, InboundChain>;
}

async function member(userId: string): Promise<Member> {
  const keys = await generateDeviceKeys({ userId, deviceId: `${userId}-phone`, extractable: false, now: NOW });
  return { keys, verified: await verifyBundle(await publicBundle(keys)), chains: new Map() };
}

/** The sender shares its chain, as it stands, with each recipient device through a sealed share. */
async function distribute(sender: Member, chain: OutboundChain, recipients: Member[]): Promise<void> {
  const share = await shareOf(chain);
  for (const r of recipients) {
    const sealed = await sealShare(sender.keys, r.verified, ROOM, share);
    const opened = await openShare(r.keys, new Map([[r.keys.prekey.id, r.keys.prekey.pair]]), sender.verified, sealed);
    r.chains.set(opened.keyId, inboundFromShare(opened, { roomId: ROOM, senderUser: sender.keys.userId, senderDevice: sender.keys.deviceId }));
  }
}

async function send(sender: Member, chain: OutboundChain, body: string, clientMsgId = crypto.randomUUID()) {
  return encryptMessage(chain, { roomId: ROOM, senderUser: sender.keys.userId, senderDevice: sender.keys.deviceId, clientMsgId }, { body, sentAt: NOW });
}

async function receive(r: Member, envelope: Envelope): Promise<string> {
  const chain = r.chains.get(envelope.keyId);
  if (!chain) throw Object.assign(new Error('no chain'), { code: 'unknown_chain' });
  const opened = await decryptMessage(chain, envelope);
  r.chains.set(envelope.keyId, opened.chain);
  return opened.content.body;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('sender-key groups', () => {
  it('decrypts 100 messages delivered in random order, and refuses every duplicate', async () => {
    const [alice, bob] = await Promise.all([member('alice'), member('bob')]);
    let chain = await newOutboundChain(NOW, false);
    await distribute(alice, chain, [bob]);
    const envelopes: Envelope[] = [];
    for (let i = 0; i < 100; i++) {
      const s = await send(alice, chain, `message ${i}`);
      chain = s.chain;
      envelopes.push(s.envelope);
    }
    const order = envelopes.map((_, i) => i).sort(() => Math.random() - 0.5);
    const got: string[] = [];
    for (const i of order) got[i] = await receive(bob, envelopes[i] as Envelope);
    expect(got).toEqual(envelopes.map((_, i) => `message ${i}`));
    for (const e of envelopes.slice(0, 10)) expect(await codeOf(receive(bob, e))).toBe('counter_repeated');
  });

  it('keeps a late joiner from reading what came before it joined', async () => {
    const [alice, bob, carol] = await Promise.all([member('alice'), member('bob'), member('carol')]);
    let chain = await newOutboundChain(NOW, false);
    await distribute(alice, chain, [bob]);
    const early: Envelope[] = [];
    for (let i = 0; i < 5; i++) {
      const s = await send(alice, chain, `early ${i}`);
      chain = s.chain;
      early.push(s.envelope);
    }
    await distribute(alice, chain, [carol]); // Carol gets the chain from its current position
    const late = await send(alice, chain, 'after carol joined');
    expect(await receive(carol, late.envelope)).toBe('after carol joined');
    for (const e of early) expect(await codeOf(receive(carol, e))).toBe('before_share');
    expect(await receive(bob, early[0] as Envelope)).toBe('early 0');
  });

  it('keeps a removed member out after the sender rotates its chain', async () => {
    const [alice, bob, carol] = await Promise.all([member('alice'), member('bob'), member('carol')]);
    const first = await newOutboundChain(NOW, false);
    await distribute(alice, first, [bob, carol]);
    expect(await receive(bob, (await send(alice, first, 'before')).envelope)).toBe('before');
    // Bob is removed: a new chain goes to the remaining members only.
    const second = await newOutboundChain(NOW, false);
    await distribute(alice, second, [carol]);
    const after = await send(alice, second, 'after bob left');
    expect(await receive(carol, after.envelope)).toBe('after bob left');
    expect(await codeOf(receive(bob, after.envelope))).toBe('unknown_chain');
    // Not with his old chain either, relabelled as the new one.
    const old = bob.chains.get(first.keyId) as InboundChain;
    expect(await codeOf(decryptMessage({ ...old, keyId: second.keyId }, after.envelope))).toBe('bad_signature');
  });

  it('refuses a jump of more than 25,000 messages, and keeps at most 2,000 skipped keys', async () => {
    const [alice, bob] = await Promise.all([member('alice'), member('bob')]);
    const chain = await newOutboundChain(NOW, false);
    await distribute(alice, chain, [bob]);
    const inbound = bob.chains.get(chain.keyId) as InboundChain;
    expect(await codeOf(messageKeyFor(inbound, 25_001))).toBe('counter_jump');
    const jumped = await messageKeyFor(inbound, MAX_SKIPPED_KEYS + 100);
    expect(jumped.chain.skipped.size).toBe(MAX_SKIPPED_KEYS);
    expect(await codeOf(messageKeyFor(jumped.chain, 50))).toBe('counter_repeated');
    expect(await codeOf(messageKeyFor(jumped.chain, 150))).toBe('ok');
  });

  it('refuses any tampering with the ciphertext, the authenticated header, or the signature', async () => {
    const [alice, bob] = await Promise.all([member('alice'), member('bob')]);
    const chain = await newOutboundChain(NOW, false);
    await distribute(alice, chain, [bob]);
    const { envelope } = await send(alice, chain, 'the real message');
    const flip = (b64: string) => {
      const bytes = fromBase64Url(b64);
      bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 1;
      return toBase64Url(bytes);
    };
    const inbound = bob.chains.get(chain.keyId) as InboundChain;
    const tampered: Envelope[] = [
      { ...envelope, ct: flip(envelope.ct) },
      { ...envelope, iv: flip(envelope.iv) },
      { ...envelope, sig: flip(envelope.sig) },
      { ...envelope, counter: envelope.counter + 1 },
      { ...envelope, clientMsgId: crypto.randomUUID() },
    ];
    for (const t of tampered) expect(await codeOf(decryptMessage(inbound, t))).toBe('bad_signature');
    expect(await codeOf(decryptMessage(inbound, { ...envelope, roomId: crypto.randomUUID() }))).toBe('unknown_chain');
    expect(await codeOf(decryptMessage(inbound, { ...envelope, senderDevice: 'mallory-phone' }))).toBe('unknown_chain');
    // The failures changed nothing: the real message still opens.
    expect(await receive(bob, envelope)).toBe('the real message');
  });

  it('pads plaintexts so lengths leak only in 64-byte steps, and never reuses an IV', async () => {
    const [alice, bob] = await Promise.all([member('alice'), member('bob')]);
    let chain = await newOutboundChain(NOW, false);
    await distribute(alice, chain, [bob]);
    const a = await send(alice, chain, 'hi');
    chain = a.chain;
    const b = await send(alice, chain, 'hello there');
    expect(fromBase64Url(a.envelope.ct).length).toBe(fromBase64Url(b.envelope.ct).length);
    expect(a.envelope.iv).not.toBe(b.envelope.iv);
    expect(await receive(bob, a.envelope)).toBe('hi');
  });

  it('wears a sending chain out after 100 messages or 7 days', async () => {
    const chain = await newOutboundChain(NOW, false);
    expect(chainIsWornOut(chain, NOW)).toBe(false);
    expect(chainIsWornOut({ ...chain, counter: 100 }, NOW)).toBe(true);
    expect(chainIsWornOut(chain, NOW + 7 * 24 * 3600 * 1000)).toBe(true);
  });
});

describe('sealed shares', () => {
  it('open only for their recipient device, and only when signed by the named sender', async () => {
    const [alice, bob, mallory] = await Promise.all([member('alice'), member('bob'), member('mallory')]);
    const share = await shareOf(await newOutboundChain(NOW, false));
    const sealed = await sealShare(alice.keys, bob.verified, ROOM, share);
    const bobPrekeys = new Map([[bob.keys.prekey.id, bob.keys.prekey.pair]]);
    await expect(openShare(bob.keys, bobPrekeys, alice.verified, sealed)).resolves.toEqual(share);
    expect(await codeOf(openShare(mallory.keys, new Map([[1, mallory.keys.prekey.pair]]), alice.verified, sealed))).toBe('unknown_chain');
    // Mallory seals her own share but claims to be Alice: the signature gives her away.
    const forged = { ...(await sealShare(mallory.keys, bob.verified, ROOM, share)), senderUser: 'alice', senderDevice: 'alice-phone' };
    expect(await codeOf(openShare(bob.keys, bobPrekeys, alice.verified, forged))).toBe('bad_signature');
    expect(await codeOf(openShare(bob.keys, bobPrekeys, alice.verified, { ...sealed, roomId: crypto.randomUUID() }))).toBe('bad_signature');
    expect(await codeOf(openShare(bob.keys, new Map(), alice.verified, sealed))).toBe('unknown_chain');
  });
});
