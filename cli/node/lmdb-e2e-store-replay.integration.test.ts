import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2ESession, KEY_WAIT_MS, MemoryE2EStore } from '../../shared/client/index.js';
import { newUser } from '../../test/support/api.js';
import { tempDir } from '../../test/support/binaries.js';
import { memorySecrets } from '../../test/support/memory-secrets.js';
import { startTestServer } from '../../test/support/server.js';
import type { TestServer } from '../../test/support/server.js';
import { LmdbE2EStore } from './lmdb-e2e-store.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

describe('LmdbE2EStore with replays and keys that never come', () => {
  it('keeps, from one CLI run to the next, which event showed an envelope and when a missing key was asked for', async () => {
    let now = Date.now();
    const home = await tempDir('replay-store');
    const secrets = memorySecrets();
    const alice = await newUser(t.url, 'a');
    const aliceE2e = new E2ESession({ api: alice.api, store: new MemoryE2EStore(), session: (await alice.sessions.load())!, extractable: false });
    const bob = await newUser(t.url, 'b');
    const bobSession = (await bob.sessions.load())!;
    /** A new `chat` process: a fresh store over the same database, and a fresh session. */
    const run = () => new E2ESession({ api: bob.api, store: new LmdbE2EStore(secrets, 'bob', home), session: bobSession, extractable: true, now: () => now });
    await run().device();
    const { room } = await alice.api.createRoom({ name: `fs-${randomUUID().slice(0, 8)}`, visibility: 'private' });
    await bob.api.redeemInvite((await alice.api.createInvite(room.id)).token);

    const seq = (await alice.api.sendEnvelope(room.id, await aliceE2e.encrypt(room.id, 'once only', randomUUID()))).seq;
    const event = (await bob.api.history(room.id)).events.find((e) => e.seq === seq)!;
    expect(await run().open(event)).toMatchObject({ status: 'ok', body: 'once only' });
    const copy = { ...event, id: randomUUID(), seq: seq + 1 };
    expect(await run().open(copy)).toEqual({ status: 'replayed', firstEventId: event.id });
    expect(await run().open(event)).toMatchObject({ status: 'ok', body: 'once only' });

    // In another room, a message whose share the server withholds.
    const { room: other } = await alice.api.createRoom({ name: `fs-${randomUUID().slice(0, 8)}`, visibility: 'private' });
    await bob.api.redeemInvite((await alice.api.createInvite(other.id)).token);
    const withheld = (await alice.api.sendEnvelope(other.id, await aliceE2e.encrypt(other.id, 'withheld', randomUUID()))).seq;
    await bob.api.ackShares((await bob.api.pendingShares()).map((s) => s.id));
    const missing = (await bob.api.history(other.id)).events.find((e) => e.seq === withheld)!;
    expect(await run().open(missing)).toEqual({ status: 'waiting' });
    now += KEY_WAIT_MS;
    expect(await run().open(missing)).toEqual({ status: 'not_shared' });
  });
});
