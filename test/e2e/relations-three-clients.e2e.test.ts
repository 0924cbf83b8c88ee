import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { chat, eventually, startServer, tempDir, userEnv } from '../support/binaries.js';
import { BROWSER_PASSWORD, haveChromium, launchChromium, messageAction, messageRow, registerInPage, signInWithForm } from '../support/browser.js';
import { createTestDatabase, dumpDatabase } from '../support/postgres.js';
import { haveTmux, terminals } from '../support/tmux.js';

// Issue 17's test across the three clients, in an open and in a private room: Alice edits in her
// browser and Bob's TUI shows the new text and "(edited)"; Bob reacts with `chat react` and Alice's
// page shows the count; Alice deletes a message and its text is gone from her page, Bob's TUI, `chat
// read`, `chat search` and every table of the database; a mention of Bob read with `chat read` clears
// the unread count and `@` on his running TUI and on his web page, live. One server for the file
// (startup is slow on a loaded machine).
const term = terminals('chat-e2e-three');

interface ReadEvent {
  readonly seq: number;
  readonly text?: string | null;
  readonly deleted?: boolean;
}

describe.runIf(haveChromium && haveTmux)('relations across the web, the TUI and the command line', () => {
  let server: ServerProcess;
  let db: { url: string; drop: () => Promise<void> };
  let browser: Browser;
  let alicePage: Page;
  let bobPage: Page;
  let bob: Record<string, string>;

  beforeAll(async () => {
    const dir = await tempDir('three-clients');
    db = await createTestDatabase();
    server = await startServer({ dataDir: join(dir, 'data'), env: { DATABASE_URL: db.url } });
    bob = userEnv(join(dir, 'bob'), server.url);
    const registered = await chat(bob, ['--json', 'register', 'bob', '--password-stdin'], `${BROWSER_PASSWORD}\n`);
    expect(registered.code, registered.stderr).toBe(0);
    const { recoveryKey } = JSON.parse(registered.stdout) as { recoveryKey: string };
    // Bob waits in a room of his own while the others are tested, in his TUI and on his page.
    expect((await chat(bob, ['create', 'lobby'])).code).toBe(0);
    browser = await launchChromium();
    alicePage = await (await browser.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
    await registerInPage(alicePage, server.url, 'alice');
    bobPage = await (await browser.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
    await signInWithForm(bobPage, server.url, 'bob', BROWSER_PASSWORD);
    // Bob's browser is a second device: his recovery key verifies it, so it opens his private rooms
    // (and sees their mentions) like his terminal.
    const banner = bobPage.getByRole('region', { name: 'This device is not verified' });
    await banner.getByLabel('Recovery key').fill(recoveryKey);
    await banner.getByRole('button', { name: 'Verify with the recovery key' }).click();
    await banner.waitFor({ state: 'detached', timeout: 60_000 });
    term.start('bob', bob);
    await term.see('bob', (s) => s.includes('● connected'), 'Bob connected', 60_000);
  }, 240_000);

  afterAll(async () => {
    term.close();
    await browser?.close();
    await server?.stop();
    await db?.drop();
  });

  /** Bob's `chat read --json` of the room (his read marker left where it is). */
  const bobReads = async (room: string) => {
    const r = await chat(bob, ['--json', 'read', room, '--limit', '50', '--no-mark-read']);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { events: ReadEvent[] }).events;
  };
  /** The room's line in the TUI's room list (below the title row). */
  /** The room's line in the room list: the screen's left 24 columns (the list's width at 110 columns), not the timeline beside it. */
  const listLine = (screen: string, mark: string, room: string) =>
    screen
      .split('\n')
      .slice(1)
      .map((l) => [...l].slice(0, 24).join(''))
      .find((l) => l.includes(`${mark} ${room}`)) ?? '';

  it.each([
    ['an open room', 'plaza', '#', '#plaza', false],
    ['a private room', 'den', '⚿', '🔒den', true],
  ] as const)('works in %s', { timeout: 300_000 }, async (_label, room, mark, label, isPrivate) => {
    const errors: string[] = [];
    alicePage.on('pageerror', (e) => errors.push(e.message));
    await alicePage.bringToFront();
    expect((await chat(bob, ['create', room, ...(isPrivate ? ['--private'] : [])])).code).toBe(0);
    if (isPrivate) {
      const invite = JSON.parse((await chat(bob, ['--json', 'invite', room])).stdout) as { url: string };
      await alicePage.goto(invite.url);
      await alicePage.getByRole('heading', { name: `🔒 ${room}` }).waitFor();
    } else {
      await alicePage.goto(`${server.url}/rooms/${room}`);
      await alicePage.getByRole('button', { name: `Join #${room}` }).click();
      await alicePage.getByRole('heading', { name: `#${room}` }).waitFor();
    }
    const box = alicePage.getByRole('textbox', { name: `Message ${label}` });
    // Bob greets from the command line; Alice's page shows it (its live feed of the room is on).
    expect((await chat(bob, ['send', room, `welcome to ${room}`])).code).toBe(0);
    await messageRow(alicePage, `welcome to ${room}`).waitFor();
    await term.enter('bob', new RegExp(`${mark === '#' ? '#' : '⚿ '}${room}`));

    // Alice writes and edits in her browser; Bob's TUI shows the new text with "(edited)".
    await box.fill(`first draft in ${room}`);
    await box.press('Enter');
    await term.see('bob', (s) => s.includes(`alice: first draft in ${room}`), 'the draft on Bob\'s screen');
    await messageRow(alicePage, `first draft in ${room}`).and(alicePage.locator('.message:not(.pending)')).waitFor();
    await messageAction(alicePage, `first draft in ${room}`, 'Edit');
    const editor = alicePage.getByRole('textbox', { name: 'Edit message' });
    await editor.fill(`final words in ${room}`);
    await editor.press('Enter');
    await term.see('bob', (s) => s.includes(`alice: final words in ${room} (edited)`) && !s.includes('first draft'), 'the edit on Bob\'s screen');

    // Bob reacts from the command line; Alice's page shows the count.
    const edited = (await bobReads(room)).find((e) => e.text === `final words in ${room}`);
    expect(edited).toBeDefined();
    const reacted = await chat(bob, ['react', room, String(edited?.seq), '👍']);
    expect(reacted.code, reacted.stderr).toBe(0);
    await messageRow(alicePage, `final words in ${room}`).getByRole('button', { name: '👍 1: bob' }).waitFor();
    await term.see('bob', (s) => s.includes('👍 1*'), 'the reaction on Bob\'s screen');

    // A delete in the browser: gone from every client, from search and from the database.
    const slip = `slip${room}quokka`;
    await box.fill(`a ${slip} to take back`);
    await box.press('Enter');
    await term.see('bob', (s) => s.includes(slip), 'the slip on Bob\'s screen');
    if (!isPrivate) {
      // Found before the delete (so that the search below can fail).
      const found = JSON.parse((await chat(bob, ['--json', 'search', slip])).stdout) as { hits: unknown[] };
      expect(found.hits.length).toBe(1);
    }
    await messageRow(alicePage, slip).and(alicePage.locator('.message:not(.pending)')).waitFor();
    await messageAction(alicePage, slip, 'Delete');
    const confirm = alicePage.getByRole('dialog', { name: 'Delete this message?' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await eventually(async () => ((await messageRow(alicePage, slip).count()) === 0 ? true : undefined), 'the slip gone from Alice\'s page');
    await term.see('bob', (s) => !s.includes(slip) && s.includes('alice: message deleted'), 'the slip gone from Bob\'s screen');
    const after = await bobReads(room);
    expect(after.filter((e) => e.deleted)).toHaveLength(1);
    expect(JSON.stringify(after)).not.toContain(slip);
    expect((await chat(bob, ['read', room, '--no-mark-read'])).stdout).not.toContain(slip);
    const search = JSON.parse((await chat(bob, ['--json', 'search', slip])).stdout) as { hits: unknown[] };
    expect(search.hits).toEqual([]);
    expect(await dumpDatabase(db.url)).not.toContain(slip);

    // Read state: with Bob's TUI and page in the lobby, a mention of him in the room is unread and
    // `@` on both; reading it with `chat read` clears both, live.
    await term.enter('bob', /#lobby/);
    await bobPage.goto(`${server.url}/rooms/lobby`);
    await bobPage.getByRole('heading', { name: '#lobby' }).waitFor();
    await term.see('bob', (s) => !/\d/.test(listLine(s, mark, room).split(room)[1] ?? ''), 'the room read before the mention');
    await box.fill(`are you there @bob?`);
    await box.press('Enter');
    await term.see('bob', (s) => /\s1 @1/.test(listLine(s, mark, room)), 'unread and @ in Bob\'s room list');
    const rooms = bobPage.getByRole('navigation', { name: 'Rooms' });
    await rooms.getByLabel('mentions you').waitFor();
    await rooms.getByLabel('1 unread').waitFor();
    const read = await chat(bob, ['read', room]);
    expect(read.code, read.stderr).toBe(0);
    expect(read.stdout).toContain('are you there @bob?');
    await term.see('bob', (s) => listLine(s, mark, room) !== '' && !/@|\s\d/.test(listLine(s, mark, room).split(room)[1] ?? ''), 'the room read in Bob\'s room list');
    await eventually(async () => ((await rooms.getByLabel('mentions you').count()) === 0 && (await rooms.getByLabel('1 unread').count()) === 0 ? true : undefined), 'the badges gone from Bob\'s page');
    expect(errors).toEqual([]);
  });
});

describe.skipIf(haveChromium && haveTmux)('relations across the three clients (skipped)', () => {
  it('needs Chromium and tmux; .ci/run installs them', () => {
    expect(haveChromium && haveTmux).toBe(false);
  });
});
