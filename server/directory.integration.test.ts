import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../shared/protocol/index.js';
import { codeOf, newUser } from '../test/support/api.js';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';
import { closeNames } from './services/room-service.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});


describe('the room directory', () => {
  it('pages through more than a thousand open rooms, none missed or repeated', async () => {
    const owner = await newUser(t.url, 'many');
    const names = Array.from({ length: 1_050 }, (_, i) => `bulk-${String(i).padStart(4, '0')}`);
    for (const name of names) {
      await t.store.createRoom({ id: randomUUID(), name, topic: '', visibility: 'open', ownerId: owner.session.user.id, joinEventId: randomUUID() });
    }
    const seen: Room[] = [];
    for (let after: string | undefined; ; ) {
      const page = await owner.api.directory({ limit: 200, ...(after !== undefined ? { after } : {}) });
      expect(page.rooms.length).toBeLessThanOrEqual(200);
      seen.push(...page.rooms);
      if (page.next === null) break;
      after = page.next;
    }
    const bulk = seen.filter((r) => r.name.startsWith('bulk-')).map((r) => r.name);
    expect(bulk).toEqual(names);
    expect(new Set(seen.map((r) => r.id)).size).toBe(seen.length);
    expect(seen.find((r) => r.name === 'bulk-0000')).toMatchObject({ memberCount: 1, role: 'owner' });
  }, 120_000);

  it('searches names and topics, counts members, offers close names for a typo, and never lists private rooms', async () => {
    const alice = await newUser(t.url, 'dir');
    const bob = await newUser(t.url, 'dir');
    const { room: general } = await alice.api.createRoom({ name: 'general', topic: 'Everything and nothing' });
    await alice.api.createRoom({ name: 'gardening', topic: 'Tomatoes, mostly' });
    await alice.api.createRoom({ name: 'generals-secret', visibility: 'private', topic: 'general staff' });
    await bob.api.join('general');

    const byTopic = await bob.api.directory({ q: 'TOMATOES' });
    expect(byTopic.rooms.map((r) => r.name)).toEqual(['gardening']);
    expect(byTopic.rooms[0]).toMatchObject({ role: null, memberCount: 1 });

    const byName = await bob.api.directory({ q: 'gener' });
    expect(byName.rooms.map((r) => r.name)).toEqual(['general']);
    expect(byName.rooms[0]).toMatchObject({ id: general.id, memberCount: 2, role: 'member' });

    // A typo finds nothing by substring, but the room meant is offered.
    const typo = await bob.api.directory({ q: 'genral' });
    expect(typo.rooms).toEqual([]);
    expect(typo.similar.map((r) => r.name)).toEqual(['general']);
    expect((await bob.api.directory({ q: 'general' })).rooms.some((r) => r.visibility === 'private')).toBe(false);
  });

  it('lets the owner, and only the owner, set the topic', async () => {
    const owner = await newUser(t.url, 'top');
    const member = await newUser(t.url, 'top');
    const name = `topic-${randomUUID().slice(0, 8)}`;
    await owner.api.createRoom({ name });
    await member.api.join(name);
    expect((await owner.api.setTopic(name, 'Release planning')).topic).toBe('Release planning');
    expect((await member.api.room(name)).topic).toBe('Release planning');
    expect(await codeOf(member.api.setTopic(name, 'mine now'))).toBe('forbidden');
    expect(await codeOf(owner.api.setTopic(name, 'two\nlines'))).toBe('invalid_request');
    expect((await owner.api.setTopic(name, '')).topic).toBe('');
  });
});

describe('closeNames', () => {
  it('keeps names a typo away, nearest first, and never the name itself', () => {
    const rooms = ['general', 'generic', 'genera', 'random', 'gen'].map((name) => ({ name }));
    expect(closeNames('genral', rooms).map((r) => r.name)).toEqual(['general', 'genera']);
    expect(closeNames('general', rooms).map((r) => r.name)).toEqual(['genera', 'generic']);
    expect(closeNames('gen', rooms)).toEqual([]);
  });
});
