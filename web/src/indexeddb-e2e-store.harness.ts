// A page for the IndexedDB store's tests (indexeddb-e2e-store.test.ts): it runs the E2EStore
// contract, and moves in a record written in the earlier one-record format, in real Chromium.
import type { LegacyE2EState, OpenedText, OutboundRecord } from '../../shared/client/index.js';
import { e2eStoreContract } from '../../shared/client/e2e-store.contract.js';
import type { E2EStoreHarness } from '../../shared/client/e2e-store.contract.js';
import type { Envelope } from '../../shared/protocol/index.js';
import type { ChainShare, InboundChain, SerializedInbound, SerializedOutbound } from '../../shared/crypto/index.js';
import { decryptMessage, deserializeInbound, encryptMessage, fromBase64Url, generateDeviceKeys } from '../../shared/crypto/index.js';
import { IndexedDbE2EStore } from './indexeddb-e2e-store.js';

let count = 0;
const harness: E2EStoreHarness = {
  extractable: false,
  fresh: async () => new IndexedDbE2EStore(`contract-${Date.now()}-${count++}`),
  another: async (store) => new IndexedDbE2EStore((store as IndexedDbE2EStore).deviceId),
};

/** Runs one contract case; resolves to null when it passed, else the failure. */
async function runCase(name: string): Promise<string | null> {
  const found = e2eStoreContract.find((c) => c.name === name);
  if (!found) return `no case named "${name}"`;
  try {
    await found.run(harness);
    return null;
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

interface StateFile {
  readonly outbound: Record<string, { chain: SerializedOutbound; given: Record<string, ChainShare> }>;
  readonly inbound: Record<string, SerializedInbound>;
  readonly plaintexts: Record<string, OpenedText>;
  readonly verified: Record<string, string[]>;
  readonly seen?: Record<string, string[]>;
  readonly asked?: Record<string, number>;
}

/** Writes `state` as the earlier version did (one record per device in `chat-e2e`/`devices`). */
async function writeLegacy(deviceId: string, file: StateFile): Promise<void> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256' } as const;
  const outbound: Record<string, OutboundRecord> = {};
  for (const [room, r] of Object.entries(file.outbound)) {
    // The browser made its chains non-extractable.
    const privateKey = await crypto.subtle.importKey('jwk', r.chain.signingPrivate, alg, false, ['sign']);
    const publicKey = await crypto.subtle.importKey('raw', new Uint8Array(fromBase64Url(r.chain.signingPublic)), alg, true, ['verify']);
    const chain = { keyId: r.chain.keyId, chainKey: fromBase64Url(r.chain.chainKey), counter: r.chain.counter, createdAt: r.chain.createdAt, signing: { privateKey, publicKey } };
    outbound[room] = { chain, given: r.given };
  }
  const inbound: Record<string, InboundChain> = Object.fromEntries(Object.entries(file.inbound).map(([k, c]) => [k, deserializeInbound(c)]));
  const state: LegacyE2EState = { outbound, inbound, plaintexts: file.plaintexts, verified: file.verified, seen: file.seen ?? {}, ...(file.asked ? { asked: file.asked } : {}) };
  const device = await generateDeviceKeys({ userId: 'user-alice', deviceId, extractable: false, now: 1 });
  const req = indexedDB.open('chat-e2e', 1);
  req.onupgradeneeded = () => req.result.createObjectStore('devices');
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const tx = db.transaction('devices', 'readwrite');
  tx.objectStore('devices').put({ device, state }, deviceId);
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}

async function legacyRowLeft(deviceId: string): Promise<boolean> {
  const req = indexedDB.open('chat-e2e');
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const get = db.transaction('devices', 'readonly').objectStore('devices').get(deviceId);
  const row = await new Promise((resolve) => (get.onsuccess = () => resolve(get.result)));
  db.close();
  return row !== undefined;
}

/** Moves an earlier record in and reports what the new store then holds. */
async function migrate(stateJson: string, envelopesJson: string) {
  const file = JSON.parse(stateJson) as StateFile;
  const bob = JSON.parse(envelopesJson) as Envelope[];
  const deviceId = 'dev-alice';
  await writeLegacy(deviceId, file);
  const store = new IndexedDbE2EStore(deviceId);
  const plaintexts = await Promise.all(['dev-alice:a-0', 'dev-alice:a-1', 'dev-alice:a-2', 'dev-bob:b-2'].map(async (k) => (await store.get('plaintext', k))?.body));
  let chain = (await store.get('inbound', Object.keys(file.inbound)[0]!))!;
  const opened: string[] = [];
  for (const i of [0, 1, 3]) {
    const r = await decryptMessage(chain, bob[i]!);
    opened.push(r.content.body);
    chain = r.chain;
  }
  const outbound = (await store.get('outbound', 'room-1'))!;
  const next = await encryptMessage(outbound.chain, { roomId: 'room-1', senderUser: 'user-alice', senderDevice: deviceId, clientMsgId: 'a-3' }, { body: 'x', sentAt: 1 });
  const result = {
    device: (await store.loadDevice())?.deviceId ?? null,
    plaintexts,
    opened,
    nextCounter: next.envelope.counter,
    given: Object.keys(outbound.given),
    verified: (await store.get('verified', 'user-bob')) ?? null,
    seen: (await store.get('seen', 'user-alice')) ?? null,
    plaintextNext: (await store.get('meta', 'plaintextNext')) ?? null,
    // Replay checks: the event that first showed Bob's message, and when Carol's missing chain was asked for.
    firstEvent: (await store.get('plaintext', 'dev-bob:b-2'))?.eventId ?? null,
    asked: (await store.get('asked', 'dev-carol:key-9')) ?? null,
    legacyRowLeft: await legacyRowLeft(deviceId),
    // A second store over the same database finds the same, and nothing more to move.
    again: (await new IndexedDbE2EStore(deviceId).get('plaintext', 'dev-bob:b-2'))?.body ?? null,
  };
  await store.destroy();
  return { ...result, afterDestroy: (await new IndexedDbE2EStore(deviceId).get('plaintext', 'dev-bob:b-2')) ?? null };
}

Object.assign(window, { e2eHarness: { names: e2eStoreContract.map((c) => c.name), runCase, migrate } });
