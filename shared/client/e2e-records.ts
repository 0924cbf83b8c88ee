import type { InboundChain } from '../crypto/index.js';
import { toBase64Url } from '../crypto/index.js';
import type { BackedUpChain } from '../protocol/index.js';
import type { E2ERecordKinds, E2ETransaction, OpenedText } from './e2e-store.js';

/** How many opened messages a device keeps. */
export const MAX_PLAINTEXTS = 20_000;
/** How many missing chains a device remembers asking for. */
export const MAX_ASKED = 1_000;
/** Chains kept per sending device: the current one and five older, for late messages. */
export const MAX_CHAINS_PER_SENDER = 6;

/** How many chain keys wait for the key backup at most (the oldest go first past that). */
export const MAX_BACKUP_QUEUE = 20_000;

/** The key of an opened message: `senderDevice:clientMsgId`. */
export const plaintextKey = (senderDevice: string, clientMsgId: string) => `${senderDevice}:${clientMsgId}`;
/** The key of an inbound chain: `senderDevice:keyId`. */
export const inboundKey = (senderDevice: string, keyId: string) => `${senderDevice}:${keyId}`;

/**
 * Keeps an opened message (with its chain position and first event, where known). Plaintexts sit in
 * a ring of `capacity` slots, so keeping one more than that drops the oldest: a constant number of
 * record reads and writes however many are kept.
 */
export async function rememberPlaintext(tx: E2ETransaction, key: string, content: OpenedText, capacity = MAX_PLAINTEXTS): Promise<void> {
  await keepInRing(tx, { kind: 'plaintext', slot: 'plaintextSlot', next: 'plaintextNext' }, key, content, capacity);
}

/**
 * Keeps when (ms) this device first asked for a missing chain (`senderDevice:keyId`), in a ring of
 * `capacity` slots like plaintexts, so the oldest is forgotten first.
 */
export async function rememberAsked(tx: E2ETransaction, chainKey: string, at: number, capacity = MAX_ASKED): Promise<void> {
  await keepInRing(tx, { kind: 'asked', slot: 'askedSlot', next: 'askedNext' }, chainKey, at, capacity);
}

/** A kind of record kept in a ring: its kind, the kind naming each slot's record, and the `meta` counter of the next slot. */
interface Ring<K extends 'plaintext' | 'asked'> {
  readonly kind: K;
  readonly slot: 'plaintextSlot' | 'askedSlot';
  readonly next: string;
}

async function keepInRing<K extends 'plaintext' | 'asked'>(tx: E2ETransaction, ring: Ring<K>, key: string, value: E2ERecordKinds[K], capacity: number): Promise<void> {
  if ((await tx.get(ring.kind, key)) !== undefined) {
    tx.put(ring.kind, key, value);
    return;
  }
  const position = (await tx.get('meta', ring.next)) ?? 0;
  const slot = String(position % capacity);
  const evicted = await tx.get(ring.slot, slot);
  if (evicted !== undefined && evicted !== key) tx.delete(ring.kind, evicted);
  tx.put(ring.slot, slot, key);
  tx.put(ring.kind, key, value);
  tx.put('meta', ring.next, position + 1);
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

/**
 * A chain as its key backup entry holds it: from where this device started following it. Only right
 * for a chain fresh from its share (its chain key still at `startCounter`).
 */
export function backedUpChainOf(chain: InboundChain): BackedUpChain {
  return {
    v: 1,
    roomId: chain.roomId,
    senderUser: chain.senderUser,
    senderDevice: chain.senderDevice,
    keyId: chain.keyId,
    chainKey: toBase64Url(chain.chainKey),
    counter: chain.startCounter,
    signingKey: toBase64Url(chain.signingKey),
  };
}

/**
 * Queues a chain key for the key backup: slots `backupDone` to `backupNext` (meta counters) of a ring
 * of `capacity` hold what is not uploaded yet, one record each. The queue fills whether or not a
 * backup exists, so a backup made later still gets the chains that came before it; past `capacity`
 * the oldest is dropped.
 */
export async function queueForBackup(tx: E2ETransaction, chain: BackedUpChain, capacity = MAX_BACKUP_QUEUE): Promise<void> {
  const next = (await tx.get('meta', 'backupNext')) ?? 0;
  const done = (await tx.get('meta', 'backupDone')) ?? 0;
  tx.put('backupQueue', String(next % capacity), chain);
  tx.put('meta', 'backupNext', next + 1);
  if (next + 1 - done > capacity) tx.put('meta', 'backupDone', next + 1 - capacity);
}
