import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiClient, LiveClient, MemorySessionStore } from '../../shared/client/index.js';
import type { SocketLike } from '../../shared/client/index.js';
import { newUser } from '../../test/support/api.js';
import { eventually } from '../../test/support/binaries.js';
import { startTestServer } from '../../test/support/server.js';
import type { TestServer } from '../../test/support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

/** The same user signed in on a second device, with its socket open and counting `rooms` frames. */
async function secondDevice(username: string) {
  const api = new ApiClient({ serverUrl: server.url, fetch: (u, init) => fetch(u, init), sessions: new MemorySessionStore() });
  await api.login({ username, password: 'correct horse battery' });
  const live = new LiveClient({ api, createSocket: (u, headers) => new WebSocket(u, { headers }) as unknown as SocketLike });
  const told = { count: 0 };
  live.on('rooms', () => (told.count += 1));
  live.start();
  await eventually(() => (live.state.status === 'connected' ? true : undefined), 'the second device to connect');
  return { api, live, told };
}

describe("the 'rooms' frame", () => {
  it("tells the user's other devices when they create, join or leave a room on one", async () => {
    const owner = await newUser(server.url, 'owner');
    const alice = await newUser(server.url, 'alice');
    const other = await secondDevice(alice.session.user.username);
    try {
      const room = (await owner.api.createRoom({ name: `r${crypto.randomUUID().slice(0, 8)}` })).room;
      await alice.api.join(room.id);
      await eventually(() => (other.told.count >= 1 ? true : undefined), "the 'rooms' frame after a join");
      expect((await other.api.rooms()).map((r) => r.id)).toContain(room.id);
      await alice.api.leave(room.id);
      await eventually(() => (other.told.count >= 2 ? true : undefined), "the 'rooms' frame after a leave");
      await alice.api.createRoom({ name: `r${crypto.randomUUID().slice(0, 8)}` });
      await eventually(() => (other.told.count >= 3 ? true : undefined), "the 'rooms' frame after a create");
    } finally {
      other.live.stop();
    }
  });

  it('tells a removed member, and the maker of a direct message on their other devices', async () => {
    const owner = await newUser(server.url, 'owner');
    const bob = await newUser(server.url, 'bob');
    const other = await secondDevice(owner.session.user.username);
    const bobOther = await secondDevice(bob.session.user.username);
    try {
      const room = (await owner.api.createRoom({ name: `r${crypto.randomUUID().slice(0, 8)}` })).room;
      await eventually(() => (other.told.count >= 1 ? true : undefined), "the 'rooms' frame after a create");
      await bob.api.join(room.id);
      await eventually(() => (bobOther.told.count >= 1 ? true : undefined), "bob's 'rooms' frame after a join");
      await owner.api.kick(room.id, bob.session.user.username);
      await eventually(() => (bobOther.told.count >= 2 ? true : undefined), "bob's 'rooms' frame after the removal");
      await owner.api.directMessage(bob.session.user.username);
      await eventually(() => (other.told.count >= 2 ? true : undefined), "the 'rooms' frame after making a direct message");
    } finally {
      other.live.stop();
      bobOther.live.stop();
    }
  });
});
