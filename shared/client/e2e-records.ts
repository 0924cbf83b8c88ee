import type { InboundChain, MessageContent } from '../crypto/index.js';
import type { E2ETransaction } from './e2e-store.js';

/** How many opened messages a device keeps. */
export const MAX_PLAINTEXTS = 20_000;
/** Chains kept per sending device: the current one and five older, for late messages. */
export const MAX_CHAINS_PER_SENDER = 6;

/** The key of an opened message: `senderDevice:clientMsgId`. */
export const plaintextKey = (senderDevice: string, clientMsgId: string) => `${senderDevice}:${clientMsgId}`;
/** The key of an inbound chain: `senderDevice:keyId`. */
export const inboundKey = (senderDevice: string, keyId: string) => `${senderDevice}:${keyId}`;

/**
 * Keeps an opened message. Plaintexts sit in a ring of `capacity` slots, so keeping one more than
 * that drops the oldest: a constant number of record reads and writes however many are kept.
 */
export async function rememberPlaintext(tx: E2ETransaction, key: string, content: MessageContent, capacity = MAX_PLAINTEXTS): Promise<void> {
  if (await tx.get('plaintext', key)) {
    tx.put('plaintext', key, content);
    return;
  }
  const position = (await tx.get('meta', 'plaintextNext')) ?? 0;
  const slot = String(position % capacity);
  const evicted = await tx.get('plaintextSlot', slot);
  if (evicted !== undefined && evicted !== key) tx.delete('plaintext', evicted);
  tx.put('plaintextSlot', slot, key);
  tx.put('plaintext', key, content);
  tx.put('meta', 'plaintextNext', position + 1);
}

/**
 * Keeps a chain another device shared, unless one with its id is kept already (never move a chain
 * back: an older share would re-open keys already used), and drops the sender's oldest chains past
 * MAX_CHAINS_PER_SENDER. Returns whether it was kept.
 */
export async function keepSharedChain(tx: E2ETransaction, chain: InboundChain): Promise<boolean> {
  const key = inboundKey(chain.senderDevice, chain.keyId);
  if (await tx.get('inbound', key)) return false;
  tx.put('inbound', key, chain);
  const ids = [...((await tx.get('senderChains', chain.senderDevice)) ?? []).filter((id) => id !== chain.keyId), chain.keyId];
  const dropped = ids.slice(0, Math.max(0, ids.length - MAX_CHAINS_PER_SENDER));
  for (const id of dropped) tx.delete('inbound', inboundKey(chain.senderDevice, id));
  tx.put('senderChains', chain.senderDevice, ids.slice(dropped.length));
  return true;
}
