// The CLI's local end-to-end store (LmdbE2EStore, records sealed one by one) under a growing number
// of kept plaintexts: one send's and one receive's cost through E2ESession at 1k, 5k and 20k kept
// plaintexts, and opening a private room's 500 newest messages with 20k kept. The server is a stub
// that answers at once (no other devices, nothing waiting), so the times are the store's and the
// crypto's; the crypto alone is timed too. The secrets live in an encrypted file (no keychain here).
// Standalone: node dist-bench/e2e-store-latency.js   (prints the docs/benchmarks.md section)
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LmdbE2EStore } from '../cli/node/lmdb-e2e-store.js';
import { EncryptedFileStore } from '../cli/node/secret-store.js';
import type { ApiClient, E2EKind, E2EStore, E2ETransaction, StoredSession } from '../shared/client/index.js';
import { E2ESession, keepSharedChain, rememberPlaintext } from '../shared/client/index.js';
import type { DeviceKeys, OutboundChain } from '../shared/crypto/index.js';
import { decryptMessage, encryptMessage, inboundFromShare, newOutboundChain, shareOf } from '../shared/crypto/index.js';
import type { Envelope, RoomEvent } from '../shared/protocol/index.js';

export interface E2EStoreLatency {
  /** Per kept-plaintext count: medians and p95 in ms of one send and one receive. */
  readonly steps: {
    readonly kept: number;
    readonly send: Stat;
    readonly receive: Stat;
    /** Records put or deleted, and their bytes (JSON, before sealing), per send plus receive. */
    readonly recordsWritten: number;
    readonly bytesWritten: number;
  }[];
  /** The crypto alone of one send plus one receive (no store), median ms. */
  readonly cryptoOnlyMs: number;
  /** Opening the 500 newest messages with 20k kept: already opened before, and never opened (in
   * batches as `openMany` does, and one `open` at a time). */
  readonly open500: { readonly kept: number; readonly openedBeforeMs: number; readonly newMs: number; readonly newOneByOneMs: number };
}

export interface Stat {
  readonly median: number;
  readonly p95: number;
}

/** Sends (and as many receives) per size, over ROUNDS rounds. */
const SAMPLES = 100;
const ROUNDS = 10;
const ROOM = randomUUID();
const STEPS = [1_000, 5_000, 20_000];

const stat = (ms: number[]): Stat => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)] ?? 0, p95: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? 0 };
};

/** A server that has nothing waiting and no other devices in the room. */
function stubApi(): ApiClient {
  const none = async () => [];
  const nothing = async () => undefined;
  return {
    publishBundle: nothing,
    pendingShares: none,
    reshareRequests: none,
    devicesOfRoom: none,
    devicesOfUser: none,
    postShares: nothing,
    ackShares: nothing,
    ackReshareRequests: nothing,
    requestReshare: nothing,
  } as unknown as ApiClient;
}

const session: StoredSession = {
  user: { id: randomUUID(), username: 'alice' },
  deviceId: randomUUID(),
  accessToken: 'x',
  accessExpiresAt: new Date(Date.now() + 3600_000).toISOString(),
  refreshToken: 'x',
};
const bob = { id: randomUUID(), username: 'bob', device: randomUUID() };

/** Bob's chain, moved on one message per call, as RoomEvents for Alice. */
function bobSender(chain: OutboundChain) {
  let seq = 0;
  return async (): Promise<RoomEvent> => {
    const clientMsgId = randomUUID();
    const sent = await encryptMessage(chain, { roomId: ROOM, senderUser: bob.id, senderDevice: bob.device, clientMsgId }, { body: `bob's message ${seq}, about as long as a chat line is`, sentAt: Date.now() });
    chain = sent.chain;
    seq += 1;
    return eventOf(sent.envelope, seq);
  };
}

function eventOf(envelope: Envelope, seq: number): RoomEvent {
  return {
    id: randomUUID(),
    roomId: ROOM,
    seq,
    kind: 'message',
    sender: { id: bob.id, username: bob.username },
    body: null,
    envelope,
    target: null,
    clientMsgId: envelope.clientMsgId,
    createdAt: new Date().toISOString(),
  } as RoomEvent;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Counts what each transaction writes: records, and the bytes of their JSON before sealing. */
class CountingStore implements E2EStore {
  writes = 0;
  bytes = 0;

  constructor(private readonly inner: E2EStore) {}

  loadDevice() {
    return this.inner.loadDevice();
  }

  saveDevice(keys: DeviceKeys) {
    return this.inner.saveDevice(keys);
  }

  get<K extends E2EKind>(kind: K, key: string) {
    return this.inner.get(kind, key);
  }

  transaction<T>(fn: (tx: E2ETransaction) => Promise<T>): Promise<T> {
    return this.inner.transaction((tx) =>
      fn({
        get: (kind, key) => tx.get(kind, key),
        put: (kind, key, value) => {
          this.writes += 1;
          this.bytes += key.length + JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v instanceof Map ? [...v] : v)).length;
          tx.put(kind, key, value);
        },
        delete: (kind, key) => {
          this.writes += 1;
          tx.delete(kind, key);
        },
      }),
    );
  }
}

/** One CHAT_HOME with `kept` plaintexts, a session on it, and Bob's chain to receive on. */
async function profile(kept: number) {
  const home = await mkdtemp(join(tmpdir(), 'chat-e2e-bench-'));
  const account = 'bench:default';
  const secrets = new EncryptedFileStore(join(home, 'secrets.enc'), 'bench passphrase');
  const lmdb = new LmdbE2EStore(secrets, account, home);
  const store = new CountingStore(lmdb);
  const e2e = new E2ESession({ api: stubApi(), store, session, extractable: true });
  await e2e.device();
  const bobChain = await newOutboundChain(Date.now(), true);
  const bobShare = await shareOf(bobChain);
  await store.transaction((tx) => keepSharedChain(tx, inboundFromShare(bobShare, { roomId: ROOM, senderUser: bob.id, senderDevice: bob.device })));
  for (let done = 0; done < kept; done += 1_000) {
    await store.transaction(async (tx) => {
      for (let i = done; i < Math.min(kept, done + 1_000); i++) await rememberPlaintext(tx, `filler:${randomUUID()}`, { body: `an older message, about as long as a chat line is (${i})`, sentAt: Date.now() });
    });
  }
  // The first send makes the room's chain; it is not what is measured.
  await e2e.encrypt(ROOM, 'first', randomUUID());
  return { kept, home, secrets, account, lmdb, store, e2e, nextFromBob: bobSender(bobChain), send: [] as number[], receive: [] as number[], writes: 0, bytes: 0 };
}

/**
 * Runs the measurements in temporary CHAT_HOMEs and removes them. The sizes are measured in
 * alternating rounds (1k, 5k, 20k, 1k, …), so that what else the machine does weighs on each alike.
 */
export async function e2eStoreLatency(log: (line: string) => void = () => {}): Promise<E2EStoreLatency> {
  const profiles: Awaited<ReturnType<typeof profile>>[] = [];
  try {
    for (const kept of STEPS) profiles.push(await profile(kept));
    log('e2e store: filled');
    for (let round = 0; round < ROUNDS; round++) {
      for (const p of profiles) {
        const [writes, bytes] = [p.store.writes, p.store.bytes];
        for (let i = 0; i < SAMPLES / ROUNDS; i++) {
          p.send.push(await timed(() => p.e2e.encrypt(ROOM, 'a message of ordinary length for a chat', randomUUID())));
          const event = await p.nextFromBob();
          p.receive.push(await timed(() => p.e2e.open(event)));
        }
        p.writes += p.store.writes - writes;
        p.bytes += p.store.bytes - bytes;
      }
    }
    const perPair = SAMPLES;
    const steps = profiles.map((p) => ({ kept: p.kept, send: stat(p.send), receive: stat(p.receive), recordsWritten: p.writes / perPair, bytesWritten: p.bytes / perPair }));
    for (const s of steps) log(`e2e store: ${s.kept} kept: send ${s.send.median.toFixed(2)} ms, receive ${s.receive.median.toFixed(2)} ms, ${s.recordsWritten} records / ${s.bytesWritten.toFixed(0)} bytes per pair`);

    // The crypto alone: one encrypt and one decrypt on fresh chains.
    const crypto: number[] = [];
    let mine = await newOutboundChain(Date.now(), true);
    let theirs = inboundFromShare(await shareOf(mine), { roomId: ROOM, senderUser: bob.id, senderDevice: bob.device });
    for (let i = 0; i < SAMPLES; i++) {
      crypto.push(
        await timed(async () => {
          const sent = await encryptMessage(mine, { roomId: ROOM, senderUser: bob.id, senderDevice: bob.device, clientMsgId: randomUUID() }, { body: 'a message of ordinary length for a chat', sentAt: 1 });
          mine = sent.chain;
          theirs = (await decryptMessage(theirs, sent.envelope)).chain;
        }),
      );
    }

    // The 500 newest messages of a room, opened as a fresh process would (a new store and session).
    const big = profiles[profiles.length - 1]!;
    const newest: RoomEvent[] = [];
    for (let i = 0; i < 500; i++) newest.push(await big.nextFromBob());
    const fresh = () => {
      const s = new LmdbE2EStore(big.secrets, big.account, big.home);
      return { s, e: new E2ESession({ api: stubApi(), store: s, session, extractable: true }) };
    };
    const first = fresh();
    const newMs = await timed(() => first.e.openMany(newest));
    await first.s.close();
    const second = fresh();
    const openedBeforeMs = await timed(() => second.e.openMany(newest));
    const others: RoomEvent[] = [];
    for (let i = 0; i < 500; i++) others.push(await big.nextFromBob());
    const newOneByOneMs = await timed(async () => {
      for (const event of others) await second.e.open(event);
    });
    const total = (await second.s.get('meta', 'plaintextNext')) ?? 0;
    await second.s.close();
    log(`e2e store: 500 newest with ${Math.min(total, 20_000)} kept: ${openedBeforeMs.toFixed(0)} ms opened before, ${newMs.toFixed(0)} ms new (${newOneByOneMs.toFixed(0)} ms one by one)`);
    return { steps, cryptoOnlyMs: stat(crypto).median, open500: { kept: Math.min(total, 20_000), openedBeforeMs, newMs, newOneByOneMs } };
  } finally {
    for (const p of profiles) {
      await p.lmdb.close();
      await rm(p.home, { recursive: true, force: true });
    }
  }
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The docs/benchmarks.md section for a result (or the reason it failed). */
export function e2eStoreSection(r: E2EStoreLatency | string): string {
  if (typeof r === 'string') return r;
  const first = r.steps[0];
  const last = r.steps[r.steps.length - 1];
  const ratio = (a: Stat | undefined, b: Stat | undefined) => (a && b ? fmt(b.median / a.median, 2) : '?');
  return `The CLI's store (LMDB, each record sealed with AES-256-GCM), through \`E2ESession\` with a server stub that
answers at once and no other devices, so the times are the store's plus the crypto's. Secrets in the encrypted
file. ${SAMPLES} sends and ${SAMPLES} receives per size, in ${ROUNDS} rounds alternating between the sizes; each is one
store transaction under the file lock with an fsync'd LMDB commit (the lock and the fsync are most of the time, and
both vary with what else uses the disk). Records and bytes written are per send plus receive (JSON before sealing).

| plaintexts kept | send median ms | send p95 ms | receive median ms | receive p95 ms | records written | bytes written |
|---|---|---|---|---|---|---|
${r.steps.map((s) => `| ${fmt(s.kept)} | ${fmt(s.send.median, 2)} | ${fmt(s.send.p95, 2)} | ${fmt(s.receive.median, 2)} | ${fmt(s.receive.p95, 2)} | ${fmt(s.recordsWritten, 1)} | ${fmt(s.bytesWritten)} |`).join('\n')}

At 20k the send costs ${ratio(first?.send, last?.send)}× and the receive ${ratio(first?.receive, last?.receive)}× what they cost at 1k. The crypto alone of
one send plus one receive: ${fmt(r.cryptoOnlyMs, 2)} ms.

Opening a private room's 500 newest messages (\`openMany\`, as a summary or a search does) with ${fmt(r.open500.kept)}
plaintexts kept, in a fresh store and session: ${fmt(r.open500.openedBeforeMs)} ms when they were opened before (each
read from its own record), ${fmt(r.open500.newMs)} ms when none was (decrypted and kept, 100 to a transaction).
Opening 500 new ones one \`open\` at a time (a transaction each): ${fmt(r.open500.newOneByOneMs)} ms.

For comparison, the one sealed file this store replaced was read and rewritten whole on every change: 9–18 ms at
1,000 plaintexts, 92–136 ms at 5,000 and 441–572 ms at 20,000 (a 2.5 MB file), several times per opened message.

Targets: the 20k figures within 1.5× of the 1k figures, and the 500-message open under 1 s.`;
}

// Run on its own only as its own file (bundled into run.js, import.meta.url is run.js's).
if (/e2e-store-latency\.[jt]s$/.test(process.argv[1] ?? '') && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  e2eStoreLatency((l) => process.stderr.write(`${l}\n`)).then(
    (r) => {
      process.stdout.write(`${e2eStoreSection(r)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
