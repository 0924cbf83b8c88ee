import { spawn } from 'node:child_process';
import { copyFile, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { open } from 'lmdb';
import { describe, expect, it } from 'vitest';
import { e2eStoreContract } from '../../shared/client/e2e-store.contract.js';
import type { E2EStoreHarness } from '../../shared/client/e2e-store.contract.js';
import type { Envelope } from '../../shared/protocol/index.js';
import { decryptMessage, encryptMessage } from '../../shared/crypto/index.js';
import { tempDir } from '../../test/support/binaries.js';
import { LmdbE2EStore } from './lmdb-e2e-store.js';
import { SealedFile } from './sealed-file.js';
import { EncryptedFileStore } from './secret-store.js';

const FIXTURE = join(import.meta.dirname, 'testdata/legacy-e2e');
const ACCOUNT = 'fixture:default';
const homes = new WeakMap<object, string>();

async function storeIn(home: string): Promise<LmdbE2EStore> {
  const store = new LmdbE2EStore(new EncryptedFileStore(join(home, 'secrets.enc'), 'fixture passphrase'), ACCOUNT, home);
  homes.set(store, home);
  return store;
}

const harness: E2EStoreHarness = {
  extractable: true,
  fresh: async () => storeIn(await tempDir('lmdb-e2e')),
  another: async (store) => storeIn(homes.get(store)!),
};

describe('LmdbE2EStore', () => {
  for (const c of e2eStoreContract) it(c.name, () => c.run(harness));

  it('seals every record: no plaintext on disk, and a record moved to another key does not open', async () => {
    const home = await tempDir('lmdb-e2e');
    const store = await storeIn(home);
    await store.transaction(async (tx) => {
      tx.put('plaintext', 'd1:m1', { body: 'the secret plan', sentAt: 1 });
      tx.put('plaintext', 'd1:m2', { body: 'another', sentAt: 2 });
    });
    await store.close();
    for (const name of await readdir(home)) expect((await readFile(join(home, name))).includes('secret plan')).toBe(false);
    const raw = open<Buffer, [string, string]>({ path: store.path, encoding: 'binary' });
    await raw.put(['plaintext', 'd1:m2'], raw.get(['plaintext', 'd1:m1'])!);
    await raw.close();
    await expect((await storeIn(home)).get('plaintext', 'd1:m2')).rejects.toMatchObject({ name: 'ChatError', code: 'internal' });
    expect(await (await storeIn(home)).get('plaintext', 'd1:m1')).toEqual({ body: 'the secret plan', sentAt: 1 });
  });

  it("moves today's sealed state file in on first use, loses nothing, and removes the file and its key", async () => {
    const home = await tempDir('lmdb-e2e');
    for (const name of ['secrets.enc', 'e2e-fixture_default.bin']) await copyFile(join(FIXTURE, name), join(home, name));
    const bob = JSON.parse(await readFile(join(FIXTURE, 'bob-envelopes.json'), 'utf8')) as Envelope[];
    const state = JSON.parse(await readFile(join(FIXTURE, 'state.json'), 'utf8')) as { inbound: Record<string, unknown> };
    const store = await storeIn(home);

    expect((await store.loadDevice())?.deviceId).toBe('dev-alice');
    for (let i = 0; i < 3; i++) expect(await store.get('plaintext', `dev-alice:a-${i}`)).toMatchObject({ body: `alice says ${i}` });
    expect(await store.get('plaintext', 'dev-bob:b-2')).toMatchObject({ body: 'bob says 2' });
    expect(await store.get('verified', 'user-bob')).toEqual(['bob-signing-key']);
    expect(await store.get('seen', 'user-alice')).toEqual(['alice-signing-key']);
    expect(await store.get('meta', 'plaintextNext')).toBe(4);
    // Bob's chain still opens the messages it skipped and the next one, each once.
    const [chainKey] = Object.keys(state.inbound);
    let chain = (await store.get('inbound', chainKey!))!;
    expect(await store.get('senderChains', 'dev-bob')).toEqual([chain.keyId]);
    for (const i of [0, 1, 3]) {
      const opened = await decryptMessage(chain, bob[i]!);
      expect(opened.content.body).toBe(`bob says ${i}`);
      chain = opened.chain;
    }
    await expect(decryptMessage(chain, bob[0]!)).rejects.toThrow();
    // Alice's own chain goes on from where it was, with Bob's share remembered.
    const outbound = (await store.get('outbound', 'room-1'))!;
    expect(Object.keys(outbound.given)).toEqual(['dev-bob']);
    const next = await encryptMessage(outbound.chain, { roomId: 'room-1', senderUser: 'user-alice', senderDevice: 'dev-alice', clientMsgId: 'a-3' }, { body: 'x', sentAt: 1 });
    expect(next.envelope.counter).toBe(3);

    expect(await readdir(home)).not.toContain('e2e-fixture_default.bin');
    const secrets = new EncryptedFileStore(join(home, 'secrets.enc'), 'fixture passphrase');
    expect(await secrets.get(`${ACCOUNT}:state-key`)).toBeNull();
    // A second open finds nothing more to move and the same records.
    expect(await (await storeIn(home)).get('plaintext', 'dev-bob:b-2')).toMatchObject({ body: 'bob says 2' });
  });

  it('moves in the sealed file of the version that checked replays: each copy keeps its first event and chain position, and asked chains their time', async () => {
    const home = await tempDir('lmdb-e2e');
    const secrets = new EncryptedFileStore(join(home, 'secrets.enc'), 'fixture passphrase');
    const copy = { body: 'shown once', sentAt: 5, eventId: 'event-1', keyId: 'key-1', counter: 7 };
    const own = { body: 'not yet shown', sentAt: 6, keyId: 'key-2', counter: 0 };
    const file = { v: 1, outbound: {}, inbound: {}, plaintexts: { 'dev-bob:m-1': copy, 'dev-alice:m-2': own }, verified: {}, seen: {}, asked: { 'dev-carol:key-9': 1234, 'dev-dan:key-3': 5678 } };
    await new SealedFile(secrets, `${ACCOUNT}:state-key`, join(home, 'e2e-fixture_default.bin')).write(JSON.stringify(file));
    const store = await storeIn(home);
    expect(await store.get('plaintext', 'dev-bob:m-1')).toEqual(copy);
    expect(await store.get('plaintext', 'dev-alice:m-2')).toEqual(own);
    expect(await store.get('asked', 'dev-carol:key-9')).toBe(1234);
    expect(await store.get('asked', 'dev-dan:key-3')).toBe(5678);
    expect(await store.get('meta', 'askedNext')).toBe(2);
    expect(await readdir(home)).not.toContain('e2e-fixture_default.bin');
  });

  it('runs transactions one at a time across processes, each seeing what the other committed', async () => {
    const home = await tempDir('lmdb-e2e');
    // Bundled beside this file, so its packages resolve from the repository's node_modules.
    const worker = join(import.meta.dirname, `.worker-${process.pid}.mjs`);
    // Node 20.19+ reads JSON imports with their `with { type: 'json' }` attribute; esbuild's node20 target would strip it.
    await build({ entryPoints: [join(import.meta.dirname, 'lmdb-e2e-store.test-worker.ts')], bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', supported: { 'import-attributes': true }, outfile: worker, define: { WORKER_HOME: JSON.stringify(home), WORKER_COUNT: '25' } });
    try {
      const run = () => new Promise<number | null>((resolve) => spawn(process.execPath, [worker], { stdio: 'inherit' }).on('exit', resolve));
      expect(await Promise.all([run(), run(), run()])).toEqual([0, 0, 0]);
    } finally {
      await rm(worker, { force: true });
    }
    expect(await (await storeIn(home)).get('meta', 'n')).toBe(75);
  }, 60_000);

  it('forgets everything on destroy', async () => {
    const home = await tempDir('lmdb-e2e');
    for (const name of ['secrets.enc', 'e2e-fixture_default.bin']) await copyFile(join(FIXTURE, name), join(home, name));
    const store = await storeIn(home);
    expect(await store.get('verified', 'user-bob')).toEqual(['bob-signing-key']);
    await store.destroy();
    expect(await readdir(home)).toEqual(['secrets.enc']);
    const again = await storeIn(home);
    expect(await again.loadDevice()).toBeNull();
    expect(await again.get('verified', 'user-bob')).toBeUndefined();
  });
});
