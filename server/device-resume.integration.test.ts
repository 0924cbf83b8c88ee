import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiClient, LiveClient, MemorySessionStore } from '../shared/client/index.js';
import type { SocketLike } from '../shared/client/index.js';
import { generateDeviceKeys, publicBundle, signDeviceProof } from '../shared/crypto/index.js';
import type { DeviceKeys } from '../shared/crypto/index.js';
import type { DeviceAdded } from '../shared/protocol/index.js';
import { eventually } from '../test/support/binaries.js';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';

const PASSWORD = 'correct horse battery';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

/** A client with its own session store, sending `headers` with every request. */
function client(headers: Record<string, string> = {}) {
  const sessions = new MemorySessionStore();
  const api = new ApiClient({ serverUrl: t.url, fetch: (u, init) => fetch(u, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }), sessions });
  return { api, sessions };
}

/** A registered user whose first device published its keys. */
async function registered() {
  const username = `r${randomUUID().slice(0, 8)}`;
  const { api } = client();
  const session = await api.register({ username, password: PASSWORD, deviceName: 'laptop' });
  const keys = await generateDeviceKeys({ userId: session.user.id, deviceId: session.device.id, extractable: false, now: Date.now() });
  await api.publishBundle(await publicBundle(keys));
  return { username, api, session, keys };
}

const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code);
const prover = (keys: DeviceKeys) => ({ deviceId: keys.deviceId, prove: (challenge: string) => signDeviceProof(keys, challenge) });

describe('signing in again on an existing device', () => {
  it('resumes the device after a sign-out when it proves it holds the device key: same id, no new device', async () => {
    const alice = await registered();
    await alice.api.logout();
    const { api } = client();
    const session = await api.login({ username: alice.username, password: PASSWORD, deviceName: 'laptop' }, prover(alice.keys));
    expect(session.device).toMatchObject({ id: alice.session.device.id, resumed: true });
    expect((await api.me()).deviceId).toBe(alice.session.device.id);
    expect((await api.deviceActivity()).map((d) => d.deviceId)).toEqual([alice.session.device.id]);
    // Its keys and cross-signature are still the ones in the directory.
    expect((await api.devicesOfUser(alice.username)).map((d) => d.deviceId)).toEqual([alice.session.device.id]);
  });

  it('refuses a password with a device id but without that device\'s key', async () => {
    const alice = await registered();
    const thief = client();
    // Someone with only the password signs its own key over the challenge, naming alice's device.
    const forged = await generateDeviceKeys({ userId: alice.session.user.id, deviceId: alice.session.device.id, extractable: false, now: Date.now() });
    expect(await codeOf(thief.api.login({ username: alice.username, password: PASSWORD }, prover(forged)))).toBe('forbidden');
    expect(await thief.sessions.load()).toBeNull();
    // A signature that is not base64 at all is refused the same way.
    expect(await codeOf(thief.api.login({ username: alice.username, password: PASSWORD }, { deviceId: alice.session.device.id, prove: async () => '!'.repeat(40) }))).toBe('forbidden');
    // The real proof with a wrong password tells nothing about the device.
    expect(await codeOf(thief.api.login({ username: alice.username, password: 'not the password' }, prover(alice.keys)))).toBe('invalid_credentials');
  });

  it('refuses a challenge issued for another device, or used once already', async () => {
    const alice = await registered();
    const res = await fetch(`${t.url}/api/v1/auth/device-challenge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ deviceId: randomUUID() }) });
    const { challenge } = (await res.json()) as { challenge: string };
    const login = (c: string) =>
      fetch(`${t.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: alice.username, password: PASSWORD, resume: { deviceId: alice.keys.deviceId, challenge: c, signature: '' } }),
      });
    const signed = async (c: string) =>
      fetch(`${t.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: alice.username, password: PASSWORD, resume: { deviceId: alice.keys.deviceId, challenge: c, signature: await signDeviceProof(alice.keys, c) } }),
      });
    expect((await login(challenge)).status).toBe(400);
    expect((await signed(challenge)).status).toBe(403);
    const own = (await (await fetch(`${t.url}/api/v1/auth/device-challenge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ deviceId: alice.keys.deviceId }) })).json()) as { challenge: string };
    expect((await signed(own.challenge)).status).toBe(200);
    expect((await signed(own.challenge)).status).toBe(403);
  });

  it('answers not_found for a revoked device, or one of another user', async () => {
    const alice = await registered();
    const bob = await registered();
    expect(await codeOf(client().api.login({ username: bob.username, password: PASSWORD }, prover(alice.keys)))).toBe('not_found');
    await alice.api.revokeDevice(alice.session.device.id);
    expect(await codeOf(client().api.login({ username: alice.username, password: PASSWORD }, prover(alice.keys)))).toBe('not_found');
  });
});

describe('where and when devices signed in', () => {
  it('lists the account\'s devices with the sign-in address (through the trusted proxy) and last-seen time', async () => {
    const alice = await registered();
    const phone = client({ 'x-forwarded-for': '203.0.113.7' });
    const second = await phone.api.login({ username: alice.username, password: PASSWORD, deviceName: 'phone' });
    const listed = await alice.api.deviceActivity();
    expect(listed.map((d) => d.deviceId)).toEqual([alice.session.device.id, second.device.id]);
    const [laptop, added] = listed;
    expect(laptop).toMatchObject({ name: 'laptop', addedFrom: '127.0.0.1', signedInFrom: '127.0.0.1' });
    // The listing request itself counts as seeing the laptop; the phone has made no request since signing in.
    expect(laptop?.lastSeenAt).not.toBeNull();
    expect(added).toMatchObject({ name: 'phone', addedFrom: '203.0.113.7', signedInFrom: '203.0.113.7', lastSeenAt: null });
    expect(added?.signedInAt).toBe(added?.createdAt);
    // Another user sees none of it.
    const bob = await registered();
    expect((await bob.api.deviceActivity()).map((d) => d.deviceId)).toEqual([bob.session.device.id]);
  });

  it('announces a new device to the account\'s other devices with where and when', async () => {
    const alice = await registered();
    const live = new LiveClient({ api: alice.api, createSocket: (u, headers) => new WebSocket(u, { headers }) as unknown as SocketLike });
    const added: DeviceAdded[] = [];
    live.on('devices', (e) => e.added && added.push(e.added));
    live.start();
    try {
      await eventually(() => (live.state.status === 'connected' ? true : undefined), 'the socket to connect');
      const second = await client({ 'x-forwarded-for': '198.51.100.23' }).api.login({ username: alice.username, password: PASSWORD, deviceName: 'tablet' });
      const told = await eventually(() => added[0], 'the announcement of the new device');
      expect(told).toEqual({ deviceId: second.device.id, name: 'tablet', createdAt: second.device.createdAt, from: '198.51.100.23' });
    } finally {
      live.stop();
    }
  });
});

describe('a new device named like one the user has', () => {
  // Two profiles on one computer both signed in as "chat-cli on <host>": `chat devices` listed two of the same name.
  it('is named "name (2)", then "(3)", so that the devices are told apart; a revoked device frees its name', async () => {
    const username = `n${randomUUID().slice(0, 8)}`;
    const first = await client().api.register({ username, password: PASSWORD, deviceName: 'chat-cli on box' });
    const second = await client().api.login({ username, password: PASSWORD, deviceName: 'chat-cli on box' });
    const { api } = client();
    const third = await api.login({ username, password: PASSWORD, deviceName: 'chat-cli on box' });
    expect([first.device.name, second.device.name, third.device.name]).toEqual(['chat-cli on box', 'chat-cli on box (2)', 'chat-cli on box (3)']);
    expect((await api.deviceActivity()).map((d) => d.name)).toEqual(['chat-cli on box', 'chat-cli on box (2)', 'chat-cli on box (3)']);
    await api.revokeDevice(second.device.id);
    expect((await client().api.login({ username, password: PASSWORD, deviceName: 'chat-cli on box' })).device.name).toBe('chat-cli on box (2)');
  });
});
