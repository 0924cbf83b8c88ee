import { describe, expect, it } from 'vitest';
import type { InboundChain } from '../crypto/index.js';
import { inboundFromShare, newOutboundChain, shareOf } from '../crypto/index.js';
import { MAX_CHAINS_PER_SENDER, keepSharedChain, rememberAsked, rememberPlaintext } from './e2e-records.js';
import { MemoryE2EStore } from './memory-e2e-store.js';

describe('rememberPlaintext', () => {
  it('keeps the newest `capacity` plaintexts, dropping the oldest, and counts a kept one once', async () => {
    const store = new MemoryE2EStore();
    for (const i of [1, 2, 3, 2, 4, 5]) await store.transaction((tx) => rememberPlaintext(tx, `d:${i}`, { body: `m${i}`, sentAt: i }, 3));
    const kept = await Promise.all([1, 2, 3, 4, 5].map((i) => store.get('plaintext', `d:${i}`)));
    expect(kept.map((p) => p?.body)).toEqual([undefined, undefined, 'm3', 'm4', 'm5']);
    expect(await store.get('meta', 'plaintextNext')).toBe(5);
  });
});

describe('rememberAsked', () => {
  it('keeps when the newest `capacity` missing chains were first asked for, in a ring of its own', async () => {
    const store = new MemoryE2EStore();
    await store.transaction((tx) => rememberPlaintext(tx, 'd:m', { body: 'kept', sentAt: 1 }, 2));
    for (const i of [1, 2, 3, 4]) await store.transaction((tx) => rememberAsked(tx, `d:k${i}`, i * 1000, 2));
    const kept = await Promise.all([1, 2, 3, 4].map((i) => store.get('asked', `d:k${i}`)));
    expect(kept).toEqual([undefined, undefined, 3000, 4000]);
    expect(await store.get('meta', 'askedNext')).toBe(4);
    // The plaintext ring is another ring: it lost nothing.
    expect(await store.get('plaintext', 'd:m')).toMatchObject({ body: 'kept' });
    expect(await store.get('meta', 'plaintextNext')).toBe(1);
  });
});

describe('keepSharedChain', () => {
  it('never replaces a kept chain, and keeps the newest chains of each sender', async () => {
    const store = new MemoryE2EStore();
    const chains: InboundChain[] = [];
    for (let i = 0; i < MAX_CHAINS_PER_SENDER + 2; i++) {
      chains.push(inboundFromShare(await shareOf(await newOutboundChain(i, false)), { roomId: 'r', senderUser: 'u', senderDevice: 'd' }));
    }
    const other = inboundFromShare(await shareOf(await newOutboundChain(0, false)), { roomId: 'r', senderUser: 'v', senderDevice: 'e' });
    await store.transaction(async (tx) => {
      await keepSharedChain(tx, other);
      for (const c of chains) await keepSharedChain(tx, c);
    });
    const moved = { ...chains[7]!, nextCounter: 50 };
    expect(await store.transaction((tx) => keepSharedChain(tx, { ...chains[7]!, nextCounter: 0 }))).toBe(false);
    await store.transaction(async (tx) => tx.put('inbound', `d:${moved.keyId}`, moved));
    expect(await store.transaction((tx) => keepSharedChain(tx, chains[7]!))).toBe(false);
    expect((await store.get('inbound', `d:${moved.keyId}`))?.nextCounter).toBe(50);
    const present = await Promise.all(chains.map((c) => store.get('inbound', `d:${c.keyId}`)));
    expect(present.map((c) => c !== undefined)).toEqual([false, false, true, true, true, true, true, true]);
    expect(await store.get('senderChains', 'd')).toEqual(chains.slice(2).map((c) => c.keyId));
    expect(await store.get('inbound', `e:${other.keyId}`)).toBeDefined();
  });
});
