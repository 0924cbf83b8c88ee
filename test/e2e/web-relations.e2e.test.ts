import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, MemorySessionStore } from '../../shared/client/index.js';
import type { ServerProcess } from '../support/binaries.js';
import { chat, eventually, startServer, tempDir, userEnv } from '../support/binaries.js';
import { createTestDatabase } from '../support/postgres.js';
import { axeViolations, BROWSER_PASSWORD, haveChromium, launchChromium, messageAction as act, messageRow as row, registerInPage } from '../support/browser.js';

// Relations in the web client, against the chat binary: Alice edits, reacts, replies and deletes in
// her browser and Bob's `chat read` shows it; Bob edits, reacts, replies and deletes from the command
// line and Alice's page shows it live; in an open and in a private room. Read markers follow between
// Alice's page and her terminal. Axe stays clean with the toolbar and the dialogs open.
const SHOTS = resolve(import.meta.dirname, '../../.artifacts/screenshots');

interface ReadEvent {
  seq: number;
  text?: string | null;
  edited?: boolean;
  deleted?: boolean;
  reactions?: { key: string; count: number; senders: string[] }[];
  replyTo?: { seq: number; text: string | null } | null;
}

describe.runIf(haveChromium)('edit, react, reply and delete in the web client, with the chat binary on the other side', () => {
  let server: ServerProcess;
  let db: { url: string; drop: () => Promise<void> };
  let browser: Browser;
  let page: Page;
  let bob: Record<string, string>;
  let aliceCli: Record<string, string>;

  beforeAll(async () => {
    const dir = await tempDir('web-relations');
    db = await createTestDatabase();
    server = await startServer({ dataDir: join(dir, 'data'), env: { DATABASE_URL: db.url } });
    bob = userEnv(join(dir, 'bob'), server.url);
    aliceCli = userEnv(join(dir, 'alice'), server.url);
    expect((await chat(bob, ['register', 'bob', '--password-stdin'], `${BROWSER_PASSWORD}\n`)).code).toBe(0);
    browser = await launchChromium();
    // Axe is injected as a script, which the page's CSP rightly forbids: bypassed for these scans.
    page = await (await browser.newContext({ viewport: { width: 1100, height: 800 }, bypassCSP: true })).newPage();
    await registerInPage(page, server.url, 'alice');
    await mkdir(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await db?.drop();
  });

  const readJson = async (room: string) => (JSON.parse((await chat(bob, ['--json', 'read', room])).stdout) as { events: ReadEvent[] }).events;
  const sendAs = async (env: Record<string, string>, args: string[]) => {
    const r = await chat(env, ['--json', ...args]);
    expect(r.stderr).toBe('');
    return (JSON.parse(r.stdout) as { seq: number }).seq;
  };

  it.each([
    ['an open room', 'plaza', '#plaza', false],
    ['a private room', 'den', '🔒den', true],
  ] as const)('works both ways in %s', { timeout: 240_000 }, async (_label, room, label, isPrivate) => {
    const errors: string[] = [];
    const violations: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    expect((await chat(bob, ['create', room, ...(isPrivate ? ['--private'] : [])])).code).toBe(0);
    if (isPrivate) {
      const invite = JSON.parse((await chat(bob, ['--json', 'invite', room])).stdout) as { url: string };
      await page.goto(invite.url);
      await page.getByRole('heading', { name: `🔒 ${room}` }).waitFor();
    } else {
      await page.goto(`${server.url}/rooms/${room}`);
      await page.getByRole('button', { name: `Join #${room}` }).click();
      await page.getByRole('heading', { name: `#${room}` }).waitFor();
    }
    const box = page.getByRole('textbox', { name: `Message ${label}` });

    // Formatting and a mention of Alice, from the terminal.
    const bobSeq = await sendAs(bob, ['send', room, 'hello **alice**, see `code` and @alice']);
    const bobRow = row(page, 'hello alice');
    await bobRow.locator('strong', { hasText: 'alice' }).waitFor();
    expect(await bobRow.locator('code').textContent()).toBe('code');
    expect(await bobRow.locator('.mention-me').textContent()).toBe('@alice');

    // Alice writes, then edits in place: Enter saves.
    await box.fill('first draft');
    await box.press('Enter');
    await row(page, 'first draft').and(page.locator('.message:not(.pending)')).waitFor();
    await act(page, 'first draft', 'Edit');
    const editor = page.getByRole('textbox', { name: 'Edit message' });
    await editor.fill('final draft');
    await editor.press('Enter');
    await row(page, 'final draft').getByText('(edited)').waitFor();

    // She reacts to Bob's message from the picker (axe with the picker open).
    await act(page, 'hello alice', 'React');
    const picker = page.getByRole('dialog', { name: 'React to the message' });
    await picker.waitFor();
    violations.push(...(await axeViolations(page)).map((v) => `${room} picker: ${v}`));
    await page.screenshot({ path: join(SHOTS, `web-relations-picker-${room}.png`) });
    await picker.getByRole('button', { name: '👍' }).click();
    await bobRow.getByRole('button', { name: '👍 1: you' }).waitFor();
    expect(await bobRow.getByRole('button', { name: '👍 1: you' }).getAttribute('aria-pressed')).toBe('true');

    // She replies to it.
    await act(page, 'hello alice', 'Reply');
    await page.getByText('Replying to bob').waitFor();
    await box.fill('a reply from the web');
    await box.press('Enter');
    await row(page, 'a reply from the web').getByRole('button', { name: /^Reply to bob:\s*hello alice/ }).waitFor();

    // And deletes a message after confirming (axe with the toolbar and the dialog open).
    await box.fill('soon gone');
    await box.press('Enter');
    await row(page, 'soon gone').and(page.locator('.message:not(.pending)')).waitFor();
    await row(page, 'soon gone').hover();
    await row(page, 'soon gone').getByRole('toolbar').getByRole('button', { name: 'Delete' }).focus();
    violations.push(...(await axeViolations(page)).map((v) => `${room} toolbar: ${v}`));
    await page.screenshot({ path: join(SHOTS, `web-relations-toolbar-${room}.png`) });
    await act(page, 'soon gone', 'Delete');
    const confirm = page.getByRole('dialog', { name: 'Delete this message?' });
    await confirm.waitFor();
    violations.push(...(await axeViolations(page)).map((v) => `${room} delete: ${v}`));
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('list', { name: 'Messages' }).getByText('message deleted').waitFor();
    expect(await row(page, 'soon gone').count()).toBe(0);

    // Bob's terminal sees all of it.
    const events = await eventually(async () => {
      const all = await readJson(room);
      return all.some((e) => e.deleted) ? all : undefined;
    }, 'the delete in chat read');
    const mine = events.find((e) => e.text === 'final draft');
    expect(mine).toMatchObject({ edited: true, deleted: false });
    expect(events.find((e) => e.seq === bobSeq)).toMatchObject({ reactions: [{ key: '👍', count: 1, senders: ['alice'] }] });
    expect(events.find((e) => e.text === 'a reply from the web')).toMatchObject({ replyTo: { seq: bobSeq } });
    expect(events.filter((e) => e.deleted)).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain('soon gone');

    // Up in the empty composer edits her last message; Escape leaves it as it was.
    await box.focus();
    await box.press('ArrowUp');
    await expect.poll(() => editor.inputValue()).toBe('a reply from the web');
    await editor.press('Escape');
    expect(await editor.count()).toBe(0);

    // Bob, from the command line: Alice's page follows live.
    const mineSeq = mine?.seq as number;
    await sendAs(bob, ['edit', room, String(bobSeq), 'hello again, _alice_']);
    await row(page, 'hello again, alice').getByText('(edited)').waitFor();
    expect(await row(page, 'hello again, alice').locator('em').textContent()).toBe('alice');
    expect((await chat(bob, ['react', room, String(mineSeq), '🎉'])).code).toBe(0);
    await row(page, 'final draft').getByRole('button', { name: '🎉 1: bob' }).waitFor();
    await sendAs(bob, ['send', room, '--reply-to', String(mineSeq), 'answered from the terminal']);
    const quote = row(page, 'answered from the terminal').getByRole('button', { name: /^Reply to alice:\s*final draft/ });
    await quote.click();
    await page.locator('.jumped', { hasText: 'final draft' }).waitFor();
    const gone = await sendAs(bob, ['send', room, 'a note bob takes back']);
    await row(page, 'a note bob takes back').waitFor();
    expect((await chat(bob, ['delete', room, String(gone)])).code).toBe(0);
    await eventually(async () => ((await row(page, 'a note bob takes back').count()) === 0 ? true : undefined), 'the delete on the page');
    await page.screenshot({ path: join(SHOTS, `web-relations-${room}.png`) });
    expect(errors).toEqual([]);
    expect(violations).toEqual([]);
  });

  it('moves the server read marker when the room is viewed, and clears the badges when another device reads', { timeout: 120_000 }, async () => {
    expect((await chat(aliceCli, ['login', 'alice', '--password-stdin'], `${BROWSER_PASSWORD}\n`)).code).toBe(0);
    const readSeq = async (room: string) => (JSON.parse((await chat(aliceCli, ['--json', 'rooms'])).stdout) as { rooms: { name: string; readSeq?: number }[] }).rooms.find((r) => r.name === room)?.readSeq;
    // Viewing #plaza at its bottom read it up to its newest event.
    const head = (await readJson('plaza')).at(-1)?.seq;
    await eventually(async () => ((await readSeq('plaza')) === head ? true : undefined), 'the marker of the room viewed');

    // A mention in #plaza while Alice looks at the private room: unread and @ on her page.
    await page.goto(`${server.url}/rooms/den`);
    await page.getByRole('heading', { name: '🔒 den' }).waitFor();
    const seq = await sendAs(bob, ['send', 'plaza', 'are you there @alice?']);
    const rooms = page.getByRole('navigation', { name: 'Rooms' });
    await rooms.getByLabel('mentions you').waitFor();
    await rooms.getByLabel('1 unread').waitFor();
    // Her terminal reads it: the page's badges go, live.
    expect((await chat(aliceCli, ['read', 'plaza'])).code).toBe(0);
    expect(await readSeq('plaza')).toBe(seq);
    await eventually(async () => ((await rooms.getByLabel('mentions you').count()) === 0 && (await rooms.getByLabel('1 unread').count()) === 0 ? true : undefined), 'the badges to clear');
  });

  it('reads a room only while its newest message is in view', { timeout: 120_000 }, async () => {
    const api = new ApiClient({ serverUrl: server.url, fetch: (u, init) => fetch(u, init), sessions: new MemorySessionStore() });
    await api.login({ username: 'bob', password: BROWSER_PASSWORD });
    await api.createRoom({ name: 'long' });
    await page.goto(`${server.url}/rooms/long`);
    await page.getByRole('button', { name: 'Join #long' }).click();
    // The room open on the page (its first page of history in: the list has rows) before Bob writes,
    // so his 60 arrive live at the bottom. Had a screenful come in that first page, they would be
    // unread the room opened with, and it would rightly open at the "New messages" line.
    await page.locator('[role=list][aria-label="Messages"]:not([data-count="0"])').waitFor();
    for (let i = 1; i <= 60; i++) await api.send('long', `line ${i}`, crypto.randomUUID());
    const list = page.getByRole('list', { name: 'Messages' });
    await row(page, 'line 60').waitFor();
    const readSeq = async () => (JSON.parse((await chat(aliceCli, ['--json', 'rooms'])).stdout) as { rooms: { name: string; readSeq?: number }[] }).rooms.find((r) => r.name === 'long')?.readSeq;
    const head = (await api.history('long', { limit: 1 })).headSeq;
    await eventually(async () => ((await readSeq()) === head ? true : undefined), 'the marker at the newest message');

    // Scrolled up to older messages: a new one is unread, here and on the server.
    await list.evaluate((el) => (el.scrollTop = 0));
    await page.getByRole('button', { name: '↓ Jump to latest' }).waitFor();
    const later = await api.send('long', 'while you were reading back', crypto.randomUUID());
    const rooms = page.getByRole('navigation', { name: 'Rooms' });
    await rooms.getByLabel('1 unread').waitFor();
    expect(await readSeq()).toBe(head);

    // Back at the bottom, it is read.
    await page.getByRole('button', { name: '↓ Jump to latest' }).click();
    await eventually(async () => ((await readSeq()) === later.seq ? true : undefined), 'the marker once at the bottom');
    await eventually(async () => ((await rooms.getByLabel('1 unread').count()) === 0 ? true : undefined), 'the badge to clear');
  });
});
