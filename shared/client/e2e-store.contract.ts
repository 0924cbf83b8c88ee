import { encryptMessage, generateDeviceKeys, inboundFromShare, newOutboundChain, shareOf, toBase64Url } from '../crypto/index.js';
import type { E2EStore } from './e2e-store.js';

/** What the contract needs of an implementation: a fresh place, and more stores over that same place. */
export interface E2EStoreHarness {
  /** Whether the implementation keeps extractable keys (the CLI) or non-extractable ones (the browser). */
  readonly extractable: boolean;
  /** A store over a new, empty place. */
  fresh(): Promise<E2EStore>;
  /** Another store over the place of `store` (as another process or tab would open it). */
  another(store: E2EStore): Promise<E2EStore>;
}

/** One case of the contract; `run` throws on failure. */
export interface E2EStoreCase {
  readonly name: string;
  run(harness: E2EStoreHarness): Promise<void>;
}

class ContractFailure extends Error {
  override readonly name = 'ContractFailure';
}

function equal(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual, replacer);
  const e = JSON.stringify(expected, replacer);
  if (a !== e) throw new ContractFailure(`${what}: expected ${e}, got ${a}`);
}

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return toBase64Url(value);
  if (value instanceof Map) return [...value].map(([k, v]) => [k, v instanceof Uint8Array ? toBase64Url(v) : v]);
  return value;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function expectRejects(promise: Promise<unknown>, what: string): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new ContractFailure(`${what}: expected a rejection`);
}

/**
 * The behaviour every E2EStore has, run against memory, LMDB (Node) and IndexedDB (Chromium). The
 * cases use no test framework, so that a browser page can run them too.
 */
export const e2eStoreContract: readonly E2EStoreCase[] = [
  {
    name: 'has no device and no records at first',
    async run(h) {
      const store = await h.fresh();
      equal(await store.loadDevice(), null, 'device');
      equal(await store.get('plaintext', 'd:m'), undefined, 'plaintext');
      equal(await store.get('outbound', 'room'), undefined, 'outbound');
      equal(await store.get('meta', 'plaintextNext'), undefined, 'meta');
    },
  },
  {
    name: 'keeps the device keys, usable after reading back',
    async run(h) {
      const store = await h.fresh();
      const keys = await generateDeviceKeys({ userId: 'u1', deviceId: 'd1', extractable: h.extractable, now: 1 });
      await store.saveDevice(keys);
      const back = await (await h.another(store)).loadDevice();
      equal(back?.deviceId, 'd1', 'device id');
      const data = new Uint8Array([1, 2, 3]);
      const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, back!.signing.privateKey, data);
      equal(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, keys.signing.publicKey, sig, data), true, 'signature by the read-back key');
    },
  },
  {
    name: 'round-trips a record of every kind, each kind its own keyspace',
    async run(h) {
      const store = await h.fresh();
      const outbound = await newOutboundChain(1_000, h.extractable);
      const inbound = inboundFromShare(await shareOf(outbound), { roomId: 'r', senderUser: 'u2', senderDevice: 'd2' });
      const withSkipped = { ...inbound, nextCounter: 3, skipped: new Map([[1, new Uint8Array([9, 9])]]) };
      const share = await shareOf(outbound);
      await store.transaction(async (tx) => {
        tx.put('plaintext', 'k', { body: 'héllo ✓', sentAt: 5, eventId: 'e1', keyId: 'key', counter: 0 });
        tx.put('plaintextSlot', 'k', 'd2:m1');
        tx.put('asked', 'k', 1_700_000_000_000);
        tx.put('askedSlot', 'k', 'd2:key');
        tx.put('inbound', 'k', withSkipped);
        tx.put('senderChains', 'k', ['a', 'b']);
        tx.put('outbound', 'k', { chain: outbound, given: { d2: share } });
        tx.put('verified', 'k', ['key1']);
        tx.put('seen', 'k', ['key2']);
        tx.put('meta', 'k', 7);
      });
      const other = await h.another(store);
      for (const s of [store, other]) {
        equal(await s.get('plaintext', 'k'), { body: 'héllo ✓', sentAt: 5, eventId: 'e1', keyId: 'key', counter: 0 }, 'plaintext');
        equal(await s.get('plaintextSlot', 'k'), 'd2:m1', 'plaintextSlot');
        equal(await s.get('asked', 'k'), 1_700_000_000_000, 'asked');
        equal(await s.get('askedSlot', 'k'), 'd2:key', 'askedSlot');
        equal(await s.get('inbound', 'k'), withSkipped, 'inbound');
        equal(await s.get('senderChains', 'k'), ['a', 'b'], 'senderChains');
        equal(await s.get('verified', 'k'), ['key1'], 'verified');
        equal(await s.get('seen', 'k'), ['key2'], 'seen');
        equal(await s.get('meta', 'k'), 7, 'meta');
        const back = await s.get('outbound', 'k');
        equal(back?.given, { d2: share }, 'outbound given');
        equal({ ...back?.chain, signing: undefined }, { ...outbound, signing: undefined }, 'outbound chain');
        // The chain's signing key still signs: the next envelope is the one the original would make.
        const header = { roomId: 'r', senderUser: 'u1', senderDevice: 'd1', clientMsgId: 'm' };
        const sent = await encryptMessage(back!.chain, header, { body: 'x', sentAt: 1 });
        equal(sent.envelope.counter, outbound.counter, 'counter of the next envelope');
      }
    },
  },
  {
    name: 'sees its own writes inside a transaction, and others see them only once it has finished',
    async run(h) {
      const store = await h.fresh();
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let entered!: (value: unknown) => void;
      const inside = new Promise<unknown>((resolve) => (entered = resolve));
      const running = store.transaction(async (tx) => {
        tx.put('meta', 'n', 1);
        entered(await tx.get('meta', 'n'));
        await held;
      });
      equal(await inside, 1, 'read of its own write');
      equal(await store.get('meta', 'n'), undefined, 'read outside before it finished');
      release();
      await running;
      equal(await store.get('meta', 'n'), 1, 'read outside after it finished');
    },
  },
  {
    name: 'writes nothing from a transaction that throws, and keeps working after it',
    async run(h) {
      const store = await h.fresh();
      await store.transaction(async (tx) => tx.put('meta', 'n', 1));
      const error = await expectRejects(
        store.transaction(async (tx) => {
          tx.put('meta', 'n', 2);
          tx.put('plaintext', 'k', { body: 'lost', sentAt: 1 });
          throw new Error('boom');
        }),
        'a throwing transaction',
      );
      equal((error as Error).message, 'boom', 'the error passed through');
      equal(await store.get('meta', 'n'), 1, 'meta after the failed transaction');
      equal(await store.get('plaintext', 'k'), undefined, 'plaintext after the failed transaction');
      equal(await store.transaction(async (tx) => tx.get('meta', 'n')), 1, 'a later transaction');
    },
  },
  {
    name: 'deletes a record of one kind only',
    async run(h) {
      const store = await h.fresh();
      await store.transaction(async (tx) => {
        tx.put('verified', 'u', ['a']);
        tx.put('seen', 'u', ['a']);
      });
      await store.transaction(async (tx) => {
        tx.delete('verified', 'u');
        equal(await tx.get('verified', 'u'), undefined, 'deleted record inside the transaction');
      });
      equal(await store.get('verified', 'u'), undefined, 'deleted record');
      equal(await store.get('seen', 'u'), ['a'], 'record of another kind');
    },
  },
  {
    name: 'runs transactions one at a time, also across stores over the same place',
    async run(h) {
      const first = await h.fresh();
      const second = await h.another(first);
      const increment = (store: E2EStore) =>
        store.transaction(async (tx) => {
          const n = (await tx.get('meta', 'n')) ?? 0;
          await sleep(5);
          tx.put('meta', 'n', n + 1);
        });
      await Promise.all([1, 2, 3, 4, 5].flatMap(() => [increment(first), increment(second)]));
      equal(await first.get('meta', 'n'), 10, 'count after ten increments');
      equal(await second.get('meta', 'n'), 10, 'count seen by the other store');
    },
  },
];
