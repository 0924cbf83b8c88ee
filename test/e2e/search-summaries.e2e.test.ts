import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchHit, Summary } from '../../shared/protocol/index.js';
import type { ServerProcess } from '../support/binaries.js';
import { chat, startServer, tempDir, registerUsers } from '../support/binaries.js';
import { conversationOf, startFakeOpenAI } from '../support/fake-openai.js';
import { createTestDatabase, dumpDatabase } from '../support/postgres.js';


describe('chat search and chat summarize with the binaries', () => {
  let dir: string;
  let server: ServerProcess;
  let db: { url: string; drop: () => Promise<void> };
  let fake: Awaited<ReturnType<typeof startFakeOpenAI>>;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  let carol: Record<string, string>;
  const PRIVATE_TEXT = 'the vault deploy key rotates on Tuesday';

  beforeAll(async () => {
    dir = await tempDir('search');
    db = await createTestDatabase();
    fake = await startFakeOpenAI();
    // The server's provider summarizes open rooms.
    server = await startServer({ dataDir: join(dir, 'data'), env: { DATABASE_URL: db.url, OPENAI_API_KEY: 'sk-server', OPENAI_BASE_URL: fake.baseUrl, CHAT_AI_MODEL: 'server-model' } });
    [alice, bob, carol] = await registerUsers(dir, server.url, ['alice', 'bob', 'carol']);
    expect((await chat(alice, ['create', 'town'])).code).toBe(0);
    expect((await chat(bob, ['join', 'town'])).code).toBe(0);
    expect((await chat(alice, ['create', 'vault', '--private'])).code).toBe(0);
    const invite = JSON.parse((await chat(alice, ['--json', 'invite', 'vault'])).stdout) as { url: string };
    expect((await chat(bob, ['join', invite.url])).code).toBe(0);
    for (const [env, room, text] of [
      [alice, 'town', 'We deploy the release on Friday after the release notes are ready'],
      [bob, 'town', 'Can someone deploy staging first? Deploy, deploy, deploy.'],
      [alice, 'town', 'Lunch at noon anyone?'],
      [alice, 'vault', PRIVATE_TEXT],
      [bob, 'vault', 'noted, I will not deploy before that'],
    ] as const) {
      expect((await chat(env, ['send', room, text])).code).toBe(0);
    }
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await db?.drop();
    await fake?.stop();
  });

  const search = async (env: Record<string, string>, args: string[]) => {
    const r = await chat(env, ['--json', 'search', ...args]);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { hits: SearchHit[] }).hits;
  };

  it('merges the server’s open-room hits and the private rooms decrypted on this device into one ranked list', async () => {
    const hits = await search(bob, ['deploy']);
    expect(hits.map((h) => h.roomName).sort()).toEqual(['town', 'town', 'vault', 'vault']);
    // Within the open room the server ranks: three "deploy"s before one.
    const town = hits.filter((h) => h.roomName === 'town').map((h) => h.snippet.text);
    expect(town[0]).toMatch(/^Can someone deploy staging/);
    const secret = hits.find((h) => h.snippet.text === PRIVATE_TEXT);
    expect(secret?.snippet.highlights.map(([a, b]) => PRIVATE_TEXT.slice(a, b))).toEqual(['deploy']);

    expect((await search(bob, ['"release notes"'])).map((h) => h.roomName)).toEqual(['town']);
    expect((await search(bob, ['deploy -staging -friday'])).map((h) => h.roomName)).toEqual(['vault', 'vault']);
    expect((await search(bob, ['deploy', '--from', 'alice'])).map((h) => h.snippet.text).sort()).toEqual([PRIVATE_TEXT, 'We deploy the release on Friday after the release notes are ready'].sort());
    expect((await search(bob, ['deploy', '--room', 'vault'])).map((h) => h.roomName)).toEqual(['vault', 'vault']);
    expect(await search(bob, ['deploy', '--since', '2999-01-01'])).toEqual([]);

    const human = await chat(bob, ['search', 'tuesday']);
    expect(human.stdout).toMatch(/^#vault {2}alice {2}\d{4}-\d\d-\d\d \d\d:\d\d {2}seq \d+\n {2}the vault deploy key rotates on Tuesday\n$/);
  });

  it('never answers from rooms the caller cannot read, and never gave the server the private text', async () => {
    expect(await search(carol, ['deploy'])).toEqual([]);
    const denied = await chat(carol, ['search', 'deploy', '--room', 'vault']);
    expect(denied.code).toBe(5);
    const none = await chat(carol, ['search', 'deploy']);
    expect(none.stdout).toBe('No messages match "deploy".\n');
    expect((await chat(bob, ['search', '--since', 'soon', 'x'])).code).toBe(2);

    expect(await dumpDatabase(db.url)).not.toContain('rotates on Tuesday');
    // Bob's local index is on disk only encrypted.
    const files = await readdir(join(dir, 'bob'));
    const index = files.find((f) => f.startsWith('search-'));
    expect(index).toBeDefined();
    expect((await readFile(join(dir, 'bob', index as string))).toString('latin1')).not.toContain('Tuesday');
  });

  it('summarizes an open room on the server with its provider', async () => {
    fake.reset();
    const r = await chat(bob, ['--json', 'summarize', 'town', '--type', 'bullets']);
    expect(r.code, r.stderr).toBe(0);
    const { summary } = JSON.parse(r.stdout) as { summary: Summary };
    expect(summary).toMatchObject({ type: 'bullets', text: 'summary 1', provider: { kind: 'openai', model: 'server-model' }, range: { messages: 3 } });
    expect(summary.participants.map((p) => [p.username, p.messages])).toEqual([['alice', 2], ['bob', 1]]);
    expect(fake.requests[0]?.auth).toBe('Bearer sk-server');
    expect(fake.requests[0]?.messages[1]?.content).toMatch(/bullet points/);
    // In a terminal the server's answer streams in under its heading.
    const human = await chat(bob, ['summarize', 'town', '--type', 'detailed']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^Summary of #town · by server-model at 127\.0\.0\.1:\d+\n\nsummary 2\n\nParticipants\n/);
  });

  it('summarizes a private room on the device: offline by default, through a local model without asking, a remote one only with consent', async () => {
    const offline = await chat(bob, ['summarize', 'vault', '--type', 'topics']);
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stdout).toMatch(/^Summary of #vault · offline extractive summary/);
    expect(offline.stdout).toMatch(/Participants\n {2}alice +1 message /);

    fake.reset();
    const local = await chat({ ...bob, OPENAI_BASE_URL: fake.baseUrl, CHAT_AI_MODEL: 'local-model' }, ['summarize', 'vault']);
    expect(local.code, local.stderr).toBe(0);
    expect(local.stdout).toMatch(/^Summary of #vault · by local-model at 127\.0\.0\.1:\d+\n\nsummary 1\n/);
    expect(fake.requests[0]?.model).toBe('local-model');
    expect(conversationOf(fake.requests[0]!).map((l) => (JSON.parse(l) as { text: string }).text)).toEqual([PRIVATE_TEXT, 'noted, I will not deploy before that']);

    const remote = { ...bob, OPENAI_API_KEY: 'sk-user', OPENAI_BASE_URL: 'http://ai.example.invalid/v1' };
    const refused = await chat(remote, ['summarize', 'vault']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not sending #vault's messages to ai\.example\.invalid: agree with --yes/);
    // Agreed: it tries the provider (which does not exist here), and remembers the consent.
    const agreed = await chat(remote, ['summarize', 'vault', '--yes']);
    expect(agreed.code).toBe(1);
    expect(agreed.stderr).toMatch(/the AI provider at http:\/\/ai\.example\.invalid\/v1 could not be reached/);
    const again = await chat(remote, ['summarize', 'vault']);
    expect(again.code).toBe(1);
    expect(await dumpDatabase(db.url)).not.toContain('rotates on Tuesday');
  }, 120_000);

  // A private room's summary counted edits and reactions as messages and repeated edited-away text.
  it('summarizes a private room with its relations applied: live messages only, each with its latest text', async () => {
    expect((await chat(alice, ['create', 'plans', '--private'])).code).toBe(0);
    const invite = JSON.parse((await chat(alice, ['--json', 'invite', 'plans'])).stdout) as { url: string };
    expect((await chat(bob, ['join', invite.url])).code).toBe(0);
    const seqs: number[] = [];
    for (const text of ['offsite planning starts', 'the venue is the zebra barn', 'budget is tenfold', 'a walrus secret', 'catering by the bakery', 'travel by train', 'dates in june', 'agenda to follow', 'rooms are booked']) {
      const r = await chat(alice, ['--json', 'send', 'plans', text]);
      expect(r.code, r.stderr).toBe(0);
      seqs.push((JSON.parse(r.stdout) as { seq: number }).seq);
    }
    expect((await chat(alice, ['edit', 'plans', String(seqs[1]), 'the venue is the lighthouse'])).code).toBe(0);
    expect((await chat(alice, ['edit', 'plans', String(seqs[2]), 'budget is twofold'])).code).toBe(0);
    expect((await chat(bob, ['react', 'plans', String(seqs[0]), '👍'])).code).toBe(0);
    expect((await chat(bob, ['react', 'plans', String(seqs[4]), '🎉'])).code).toBe(0);
    expect((await chat(alice, ['delete', 'plans', String(seqs[3])])).code).toBe(0);
    const r = await chat(bob, ['--json', 'summarize', 'plans', '--type', 'detailed']);
    expect(r.code, r.stderr).toBe(0);
    const summary = (JSON.parse(r.stdout) as { summary: Summary }).summary;
    expect(summary.range.messages).toBe(8);
    expect(summary.participants.map((p) => [p.username, p.messages])).toEqual([['alice', 8]]);
    expect(JSON.stringify(summary)).not.toMatch(/zebra|tenfold|walrus|👍|🎉|\bedited\b/);
  }, 120_000);
});

