import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptMessage, generateDeviceKeys, newOutboundChain, publicBundle } from '../shared/crypto/index.js';
import { ChatError } from '../shared/protocol/index.js';
import type { Envelope } from '../shared/protocol/index.js';
import { newUser } from '../test/support/api.js';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';
import { defaultMigrationsDir, migrate } from './store/migrate.js';
import { createPgliteClient } from './store/pglite-client.js';
import { SqlStore } from './store/sql-store.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

/** A signed-in user whose device has published its keys. */
async function withKeys(prefix: string) {
  const u = await newUser(t.url, prefix);
  const keys = await generateDeviceKeys({ userId: u.session.user.id, deviceId: u.session.device.id, extractable: false, now: Date.now() });
  await u.api.publishBundle(await publicBundle(keys));
  return { ...u, keys, name: u.session.user.username };
}

/** The ChatError a call threw (or null when it did not throw one). */
async function errorOf(p: Promise<unknown>): Promise<ChatError | null> {
  try {
    await p;
    return null;
  } catch (error) {
    return error instanceof ChatError ? error : null;
  }
}

/**
 * alice, bob and their direct message, and an envelope alice's device sealed into it with the first
 * key of a new chain; `copy(text)` is what a copy of her device's state seals next: another message
 * under the same keyId and counter (the server sees only those, not the key).
 */
async function sealedPair() {
  const alice = await withKeys('kral');
  const bob = await withKeys('krbo');
  const { room } = await alice.api.directMessage(bob.name);
  const chain = await newOutboundChain(Date.now(), false);
  const seal = async (body: string): Promise<Envelope> =>
    (await encryptMessage(structuredClone(chain), { roomId: room.id, senderUser: alice.session.user.id, senderDevice: alice.keys.deviceId, clientMsgId: randomUUID() }, { body, sentAt: Date.now() })).envelope;
  const first = await seal('from the laptop');
  const copy = async (body: string): Promise<Envelope> => ({ ...(await seal(body)), keyId: first.keyId, counter: first.counter });
  return { alice, bob, room, first, copy };
}

describe('one message key per envelope (a cloned device)', () => {
  // Two copies of one CHAT_HOME each sent message 0 of the same chain; the server took both and bob
  // could open only one ("message 1 of this chain was already read"), with nobody warned.
  it('refuses a second envelope with the same sender device, keyId and counter, with a stable code', async () => {
    const { alice, room, first, copy } = await sealedPair();
    await alice.api.sendEnvelope(room.id, first);
    const refused = await errorOf(alice.api.sendEnvelope(room.id, await copy('from the copied laptop')));
    expect(refused?.code).toBe('key_reused');
    expect(refused?.message).toMatch(/another copy of this device's state .* Nothing was stored/);
    const events = (await alice.api.history(room.id, { limit: 50 })).events.filter((e) => e.kind === 'message');
    expect(events).toHaveLength(1);
  });

  it('still answers a retry of the same message (same clientMsgId) as a duplicate', async () => {
    const { alice, room, first } = await sealedPair();
    const sent = await alice.api.sendEnvelope(room.id, first);
    expect(await alice.api.sendEnvelope(room.id, first)).toMatchObject({ seq: sent.seq, duplicate: true });
  });

  it('refuses a reused key in an edit, reaction or reply too', async () => {
    const { alice, room, first, copy } = await sealedPair();
    const sent = await alice.api.sendEnvelope(room.id, first);
    const reply = await copy('a reply from the copy');
    const refused = await errorOf(alice.api.sendRelation(room.id, { clientMsgId: reply.clientMsgId, envelope: reply, relatesTo: { type: 'reply', eventId: sent.id } }));
    expect(refused?.code).toBe('key_reused');
  });

  it('takes exactly one of many envelopes sent at once with the same key', async () => {
    const { alice, room, copy } = await sealedPair();
    const envelopes = await Promise.all(Array.from({ length: 8 }, (_, i) => copy(`copy ${i}`)));
    const outcomes = await Promise.all(envelopes.map((e) => alice.api.sendEnvelope(room.id, e, 1).then(() => 'sent', (error: unknown) => (error instanceof ChatError ? error.code : 'other'))));
    expect(outcomes.filter((o) => o === 'sent')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'key_reused')).toHaveLength(7);
  });

  it('lets another device, or the next counter, use its own keys', async () => {
    const { alice, bob, room, first } = await sealedPair();
    await alice.api.sendEnvelope(room.id, first);
    await alice.api.sendEnvelope(room.id, { ...first, clientMsgId: randomUUID(), counter: first.counter + 1 });
    const bobs = { ...first, clientMsgId: randomUUID(), senderUser: bob.session.user.id, senderDevice: bob.keys.deviceId };
    await bob.api.sendEnvelope(room.id, bobs);
  });
});

describe('migration 023', () => {
  it('enters the envelopes stored before it (the first of a reused key keeps it), and refuses the key after', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chat-migrations-'));
    for (const f of await readdir(defaultMigrationsDir())) if (f < '023') await cp(join(defaultMigrationsDir(), f), join(dir, f));
    const sql = await createPgliteClient(undefined);
    try {
      await migrate(sql, dir);
      const store = new SqlStore(sql);
      const user = { id: randomUUID(), username: `kr${Date.now()}` };
      await store.createUserWithDevice({ ...user, passwordHash: 'h' }, { id: randomUUID(), name: 'laptop' }, { id: randomUUID(), refreshToken: { tokenHash: randomUUID(), expiresAt: new Date(Date.now() + 60_000) } });
      const room = randomUUID();
      const created = await store.createRoom({ id: room, name: `kr-${Date.now()}`, topic: '', visibility: 'private', ownerId: user.id, joinEventId: randomUUID() });
      expect(created.ok).toBe(true);
      const envelope = (clientMsgId: string): Envelope => ({ v: 1, suite: 'p256-hmac-aes256gcm-1', roomId: room, senderUser: user.id, senderDevice: '00000000-0000-4000-8000-0000000000d1', keyId: 'k'.repeat(22), counter: 0, clientMsgId, iv: 'i'.repeat(16), ct: 'c', sig: 's'.repeat(86) });
      // What an older server stored: two envelopes of the cloned device under one key.
      const stored = [randomUUID(), randomUUID()];
      for (const [i, id] of stored.entries()) {
        const clientMsgId = randomUUID();
        await sql.query("INSERT INTO room_events (id, room_id, seq, kind, sender_id, envelope, client_msg_id) VALUES ($1, $2, $3, 'message', $4, $5::jsonb, $6)", [id, room, 10 + i, user.id, JSON.stringify(envelope(clientMsgId)), clientMsgId]);
      }
      await migrate(sql);
      expect((await sql.query('SELECT event_id FROM envelope_keys')).rows).toEqual([{ event_id: stored[0] }]);
      const clientMsgId = randomUUID();
      const [again] = await store.appendMessages([{ id: randomUUID(), roomId: room, sender: user, clientMsgId, body: null, envelope: envelope(clientMsgId) }]);
      expect(again).toEqual({ ok: false, conflict: 'key_reused' });
    } finally {
      await sql.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
