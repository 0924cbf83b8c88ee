import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../shared/client/index.js';
import type { DeviceKeys, InboundChain } from '../shared/crypto/index.js';
import {
  decryptMessage,
  encryptMessage,
  generateDeviceKeys,
  inboundFromShare,
  newOutboundChain,
  openShare,
  publicBundle,
  sealShare,
  shareOf,
  verifyBundle,
} from '../shared/crypto/index.js';
import type { Envelope } from '../shared/protocol/index.js';
import { codeOf, newUser } from '../test/support/api.js';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';
import { hashOpaqueToken } from './services/tokens.js';

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


/** The sender shares its chain with every device of the room through the server's queues. */
async function shareChain(sender: { api: ApiClient; keys: DeviceKeys }, roomId: string, chain: Awaited<ReturnType<typeof newOutboundChain>>) {
  const devices = await sender.api.devicesOfRoom(roomId);
  const share = await shareOf(chain);
  const sealed = [];
  for (const d of devices) {
    if (d.deviceId === sender.keys.deviceId) continue;
    sealed.push(await sealShare(sender.keys, await verifyBundle(d.bundle), roomId, share));
  }
  await sender.api.postShares(sealed);
}

/** Opens every share waiting for this device; returns the chains by keyId. */
async function collectShares(r: { api: ApiClient; keys: DeviceKeys }, senderName: string): Promise<Map<string, InboundChain>> {
  const chains = new Map<string, InboundChain>();
  const queued = await r.api.pendingShares();
  const senderDevices = await r.api.devicesOfUser(senderName);
  for (const q of queued) {
    const device = senderDevices.find((d) => d.deviceId === q.share.senderDevice);
    if (!device) continue;
    const opened = await openShare(r.keys, new Map([[r.keys.prekey.id, r.keys.prekey.pair]]), await verifyBundle(device.bundle), q.share);
    chains.set(opened.keyId, inboundFromShare(opened, { roomId: q.share.roomId, senderUser: q.share.senderUser, senderDevice: q.share.senderDevice }));
  }
  await r.api.ackShares(queued.map((q) => q.id));
  return chains;
}

describe('private rooms', () => {
  it('carries only ciphertext: invite by link, share keys, exchange, kick', async () => {
    const alice = await withKeys('alice');
    const bob = await withKeys('bob');
    const carol = await withKeys('carol');
    const { room } = await alice.api.createRoom({ name: `secret-${randomUUID().slice(0, 8)}`, visibility: 'private' });
    expect(room.visibility).toBe('private');
    expect((await carol.api.directory()).rooms.some((r) => r.id === room.id)).toBe(false);
    expect(await codeOf(carol.api.join(room.id))).toBe('not_found');

    const invite = await alice.api.createInvite(room.id, { maxUses: 1 });
    expect(invite.url).toBe(`${t.url}/invite/${invite.token}`);
    expect((await bob.api.redeemInvite(invite.url)).room.role).toBe('member');
    expect(await codeOf(carol.api.redeemInvite(invite.token))).toBe('invite_invalid'); // used up

    let chain = await newOutboundChain(Date.now(), false);
    await shareChain(alice, room.id, chain);
    expect(await codeOf(alice.api.send(room.id, 'plain text', randomUUID()))).toBe('invalid_request');

    const secret = `the launch code is ${randomUUID()}`;
    const clientMsgId = randomUUID();
    const sealed = await encryptMessage(chain, { roomId: room.id, senderUser: alice.session.user.id, senderDevice: alice.keys.deviceId, clientMsgId }, { body: secret, sentAt: Date.now() });
    chain = sealed.chain;
    await alice.api.sendEnvelope(room.id, sealed.envelope);
    // A forged sender device is refused.
    const forged = { ...sealed.envelope, clientMsgId: randomUUID(), senderDevice: bob.keys.deviceId } satisfies Envelope;
    expect(await codeOf(alice.api.sendEnvelope(room.id, forged))).toBe('invalid_request');

    const bobChains = await collectShares(bob, alice.name);
    const page = await bob.api.history(room.id);
    const message = page.events.find((e) => e.kind === 'message');
    expect(message?.body).toBeNull();
    const opened = await decryptMessage(bobChains.get(message?.envelope?.keyId as string) as InboundChain, message?.envelope as Envelope);
    expect(opened.content.body).toBe(secret);

    // Nothing the server stored holds the plaintext.
    const dump = JSON.stringify(await t.store.listEvents(room.id, { afterSeq: 0, limit: 100 }));
    expect(dump).not.toContain(secret);

    // Kick Bob: a removal event, his reads refused, and no new shares can be addressed to him.
    const kicked = await alice.api.kick(room.id, bob.name);
    expect(kicked.event).toMatchObject({ kind: 'remove', target: { username: bob.name } });
    // Bob knew the room: he is told he was removed, and by whom, not that there is no such room.
    const removedBy = { code: 'forbidden', message: `you were removed from #${room.name} by ${alice.name}; only a new invite from its owner lets you back` };
    await expect(bob.api.history(room.id)).rejects.toMatchObject(removedBy);
    await expect(bob.api.room(room.name)).rejects.toMatchObject(removedBy);
    await expect(bob.api.join(room.name)).rejects.toMatchObject(removedBy);
    await expect(bob.api.send(room.id, 'still here?', randomUUID())).rejects.toMatchObject(removedBy);
    await expect(bob.api.leave(room.id)).rejects.toMatchObject(removedBy);
    // Someone never in it still cannot tell the room exists.
    expect(await codeOf(carol.api.room(room.name))).toBe('not_found');
    const next = await newOutboundChain(Date.now(), false);
    const bobBundle = await verifyBundle((await alice.api.devicesOfUser(bob.name))[0]!.bundle);
    expect(await codeOf(alice.api.postShares([await sealShare(alice.keys, bobBundle, room.id, await shareOf(next))]))).toBe('forbidden');
    expect((await alice.api.devicesOfRoom(room.id)).some((d) => d.deviceId === bob.keys.deviceId)).toBe(false);
    expect(await codeOf(carol.api.kick(room.id, alice.name))).toBe('not_found');
  });

  it('tells a member removed from an open room who removed them, until they join again', async () => {
    const owner = await newUser(t.url, 'oowner');
    const guest = await newUser(t.url, 'oguest');
    const { room } = await owner.api.createRoom({ name: `open-kick-${randomUUID().slice(0, 8)}` });
    await guest.api.join(room.name);
    await owner.api.kick(room.id, guest.session.user.username);
    const removedBy = { code: 'forbidden', message: `you were removed from #${room.name} by ${owner.session.user.username}; join it again to come back` };
    await expect(guest.api.history(room.id)).rejects.toMatchObject(removedBy);
    await expect(guest.api.send(room.id, 'hello?', randomUUID())).rejects.toMatchObject(removedBy);
    // Back in, and out again on their own: no longer "removed".
    await guest.api.join(room.name);
    await guest.api.leave(room.name);
    await expect(guest.api.history(room.id)).rejects.toMatchObject({ code: 'forbidden', message: `you are not a member of #${room.name}; join it first` });
  });

  it('refuses reused, expired and revoked invites with their reasons', async () => {
    const owner = await withKeys('owner');
    const guest = await withKeys('guest');
    const { room } = await owner.api.createRoom({ name: `inv-${randomUUID().slice(0, 8)}`, visibility: 'private' });
    const revoked = await owner.api.createInvite(room.id, { maxUses: 5 });
    await owner.api.revokeInvite(room.id, revoked.invite.id);
    await expect(guest.api.redeemInvite(revoked.url)).rejects.toMatchObject({ code: 'invite_invalid', message: expect.stringMatching(/revoked/) });
    const token = 'e'.repeat(43);
    await t.store.createInvite({ id: randomUUID(), roomId: room.id, tokenHash: hashOpaqueToken(token), createdBy: owner.session.user.id, expiresAt: new Date(Date.now() - 1000), maxUses: 5 });
    await expect(guest.api.redeemInvite(token)).rejects.toMatchObject({ code: 'invite_invalid', message: expect.stringMatching(/expired/) });
    await expect(guest.api.redeemInvite('A'.repeat(43))).rejects.toMatchObject({ code: 'not_found' });
    expect(await codeOf(guest.api.createInvite(room.id))).toBe('not_found');
    const listed = await owner.api.invites(room.id);
    expect(listed.map((i) => i.revokedAt !== null)).toEqual([true, false]);
  });

  it('refuses a removed member the invites made before the removal, and admits them with one made after', async () => {
    const owner = await newUser(t.url, 'kowner');
    const guest = await newUser(t.url, 'kguest');
    const { room } = await owner.api.createRoom({ name: `kick-${randomUUID().slice(0, 8)}`, visibility: 'private' });
    const invite = await owner.api.createInvite(room.id, { maxUses: 5 });
    await guest.api.redeemInvite(invite.token);
    // A member redeeming again changes nothing and uses nothing.
    await guest.api.redeemInvite(invite.token);
    expect((await owner.api.invites(room.id))[0]?.uses).toBe(1);
    await owner.api.kick(room.id, guest.session.user.username);
    await expect(guest.api.redeemInvite(invite.token)).rejects.toMatchObject({
      code: 'invite_invalid',
      message: 'you were removed from this room; ask its owner for a new invite',
    });
    expect((await owner.api.invites(room.id))[0]?.uses).toBe(1);
    expect((await owner.api.members(room.id)).some((m) => m.user.id === guest.session.user.id)).toBe(false);
    // Someone never removed still gets in with the old invite.
    const other = await newUser(t.url, 'kother');
    expect((await other.api.redeemInvite(invite.token)).room.role).toBe('member');
    // The owner's deliberate choice: a new invite lets them back.
    const fresh = await owner.api.createInvite(room.id, { maxUses: 1 });
    expect((await guest.api.redeemInvite(fresh.token)).room.role).toBe('member');
  });

  it('admits exactly N of many concurrent redemptions of an invite with N uses', async () => {
    const owner = await withKeys('own');
    const { room } = await owner.api.createRoom({ name: `race-${randomUUID().slice(0, 8)}`, visibility: 'private' });
    const invite = await owner.api.createInvite(room.id, { maxUses: 3 });
    const guests = await Promise.all(Array.from({ length: 8 }, (_, i) => newUser(t.url, `g${i}`)));
    const results = await Promise.all(guests.map((g) => codeOf(g.api.redeemInvite(invite.token))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(3);
    expect(results.filter((r) => r === 'invite_invalid')).toHaveLength(5);
  });

  it('opens one direct-message room per pair, from either side', async () => {
    const a = await withKeys('dma');
    const b = await withKeys('dmb');
    const first = await a.api.directMessage(b.name);
    expect(first).toMatchObject({ created: true, room: { visibility: 'private', memberCount: 2 } });
    const second = await b.api.directMessage(a.name);
    expect(second).toMatchObject({ created: false, room: { id: first.room.id } });
    expect(await codeOf(a.api.directMessage(a.name))).toBe('invalid_request');
  });

  it('revokes a device: it leaves the directory and its sessions end', async () => {
    const a = await withKeys('rev');
    const oldDevice = a.keys.deviceId;
    const oldRefresh = (await a.sessions.load())!.refreshToken;
    await a.api.login({ username: a.name, password: 'correct horse battery' }); // a second sign-in: a new device
    expect(await codeOf(a.api.revokeDevice(randomUUID()))).toBe('not_found');
    await a.api.revokeDevice(oldDevice);
    expect(await a.api.devicesOfUser(a.name)).toEqual([]);
    const res = await fetch(`${t.url}/api/v1/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: oldRefresh }) });
    expect(res.status).toBe(401);
  });

  it('refuses a bundle that is not the caller\'s or does not verify', async () => {
    const a = await withKeys('bun');
    const other = await generateDeviceKeys({ userId: randomUUID(), deviceId: randomUUID(), extractable: false, now: Date.now() });
    expect(await codeOf(a.api.publishBundle(await publicBundle(other)))).toBe('invalid_request');
    const own = await publicBundle(a.keys);
    expect(await codeOf(a.api.publishBundle({ ...own, prekey: { ...own.prekey, id: 9 } }))).toBe('invalid_request');
  });
});
