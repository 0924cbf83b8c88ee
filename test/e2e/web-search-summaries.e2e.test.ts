import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { startServer, tempDir } from '../support/binaries.js';
import { startFakeOpenAI } from '../support/fake-openai.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const PASSWORD = 'correct horse battery';
const OPEN_TEXT = 'the launch checklist lives in the wiki';
const PRIVATE_TEXT = 'the launch code of the vault is tangerine';
/** Newer messages after OPEN_TEXT: more than the web client's first page of 50. */
const NEWER = 80;

async function register(page: Page, url: string, username: string): Promise<void> {
  await page.goto(url);
  await page.getByRole('button', { name: 'New here? Register' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Register' }).click();
  await page.getByRole('link', { name: 'Settings' }).waitFor();
}

/** From the directory: creates the room `name`, open or private, through the create dialog. */
async function createRoom(page: Page, name: string, visibility: 'open' | 'private' = 'open'): Promise<void> {
  await page.getByRole('link', { name: 'chat', exact: true }).click();
  await page.getByLabel('Find a room').fill(name);
  await page.getByRole('button', { name: `Create #${name}?` }).click();
  const dialog = page.getByRole('dialog', { name: 'Create a room' });
  if (visibility === 'private') await dialog.getByRole('radio', { name: /Private/ }).check();
  await dialog.getByRole('button', { name: /^Create / }).click();
  await page.getByRole('heading', { name: visibility === 'private' ? `🔒 ${name}` : `#${name}` }).waitFor();
}

async function rest(url: string, method: string, path: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  expect(res.ok, `${path}: ${res.status}`).toBe(true);
  return (await res.json()) as Record<string, unknown>;
}

/** Every record of the page's search databases, as text (ArrayBuffers decoded), and whether any key there can be exported. */
function searchDatabases(page: Page): Promise<{ names: string[]; text: string; records: number; extractable: boolean[] }> {
  return page.evaluate(async () => {
    const names = (await indexedDB.databases()).map((d) => d.name as string).filter((n) => n.startsWith('chat-search-'));
    let text = '';
    let records = 0;
    const extractable: boolean[] = [];
    const walk = (o: unknown): void => {
      if (o instanceof CryptoKey) extractable.push(o.extractable);
      else if (o instanceof ArrayBuffer) text += new TextDecoder().decode(o);
      else if (ArrayBuffer.isView(o)) text += new TextDecoder().decode(o);
      else if (typeof o === 'string') text += o;
      else if (o && typeof o === 'object') Object.values(o).forEach(walk);
    };
    for (const name of names) {
      const db = await new Promise<IDBDatabase>((resolve) => {
        const q = indexedDB.open(name);
        q.onsuccess = () => resolve(q.result);
      });
      for (const store of Array.from(db.objectStoreNames)) {
        const all = await new Promise<unknown[]>((resolve) => {
          const q = db.transaction(store).objectStore(store).getAll();
          q.onsuccess = () => resolve(q.result as unknown[]);
        });
        records += all.length;
        walk(all);
      }
      db.close();
    }
    return { names, text, records, extractable };
  });
}

describe.runIf(haveChromium)('search and summaries in the web client, in headless Chromium', () => {
  let server: ServerProcess;
  let browser: Browser;
  let fake: Awaited<ReturnType<typeof startFakeOpenAI>>;
  let page: Page;

  beforeAll(async () => {
    const dir = await tempDir('web-search');
    fake = await startFakeOpenAI();
    // The server's provider summarizes open rooms (and streams its answer).
    server = await startServer({ dataDir: join(dir, 'data'), env: { OPENAI_API_KEY: 'sk-server', OPENAI_BASE_URL: fake.baseUrl, CHAT_AI_MODEL: 'server-model' } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();

    await register(page, server.url, 'erin');
    await createRoom(page, 'town');
    await page.getByLabel('Message #town').fill(OPEN_TEXT);
    await page.getByLabel('Message #town').press('Enter');
    await page.locator('.timeline .message:not(.pending)').filter({ hasText: OPEN_TEXT }).waitFor();
    // Someone else then says a lot, so the message is no longer in the first page the client loads.
    const { tokens } = (await rest(server.url, 'POST', '/auth/register', { username: 'frank', password: PASSWORD })) as { tokens: { accessToken: string } };
    const accessToken = tokens.accessToken;
    await rest(server.url, 'POST', '/rooms/town/join', {}, accessToken);
    for (let i = 1; i <= NEWER; i++) await rest(server.url, 'POST', '/rooms/town/messages', { clientMsgId: randomUUID(), body: `filler ${i} about lunch` }, accessToken);

    await createRoom(page, 'vault', 'private');
    await page.getByLabel('Message 🔒vault').fill(PRIVATE_TEXT);
    await page.getByLabel('Message 🔒vault').press('Enter');
    // Stored, not just shown as on its way (an unsent message would be lost with the reload below).
    await page.locator('.timeline .message:not(.pending)').filter({ hasText: PRIVATE_TEXT }).waitFor();
    await page.getByLabel('Message 🔒vault').fill('noted, the code rotates weekly');
    await page.getByLabel('Message 🔒vault').press('Enter');
    await page.locator('.timeline .message:not(.pending)').filter({ hasText: 'noted, the code rotates weekly' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await fake?.stop();
  });

  it('finds an open-room and a private-room message in one highlighted list, keeps the private index sealed, and jumps to each hit', async () => {
    // A fresh page: the rooms' newest 50 messages are loaded, not the one 80 back.
    await page.reload();
    await page.getByRole('heading', { name: /^(#town|🔒 vault)$/ }).waitFor();
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByLabel('Search messages').fill('launch');
    await page.getByLabel('Search messages').press('Enter');
    const results = page.getByRole('list', { name: 'Search results' });
    await results.waitFor();
    const items = results.getByRole('listitem');
    await expect.poll(() => items.count()).toBe(2);
    const texts = await items.allTextContents();
    expect(texts.some((t) => t.includes(OPEN_TEXT) && t.includes('#town'))).toBe(true);
    expect(texts.some((t) => t.includes(PRIVATE_TEXT) && t.includes('🔒 vault'))).toBe(true);
    expect(await results.locator('mark').allTextContents()).toEqual(['launch', 'launch']);

    // The private index is in IndexedDB, but only sealed, under a key no script can export.
    const stored = await searchDatabases(page);
    expect(stored.names).toHaveLength(1);
    expect(stored.records).toBeGreaterThanOrEqual(4); // the key, two messages, the room's position
    expect(stored.text).not.toContain('tangerine');
    expect(stored.text).not.toContain('rotates weekly');
    expect(stored.extractable).toEqual([false]);

    // The open-room hit is 80 messages back: older history is loaded until it is there, and shown.
    await items.filter({ hasText: OPEN_TEXT }).getByRole('button').click();
    await page.getByRole('heading', { name: '#town' }).waitFor();
    const openRow = page.locator('.timeline .jumped');
    await openRow.waitFor();
    expect(await openRow.textContent()).toContain(OPEN_TEXT);
    expect(await openRow.isVisible()).toBe(true);

    await items.filter({ hasText: PRIVATE_TEXT }).getByRole('button').click();
    await page.getByRole('heading', { name: '🔒 vault' }).waitFor();
    await expect.poll(async () => (await page.locator('.timeline .jumped').textContent()) ?? '').toContain(PRIVATE_TEXT);
  }, 60_000);

  // The TUI's /search took chat search's options and the web's box did not: `launch --room vault`
  // searched for the words "room" and "vault".
  it('takes chat search\'s --room, --from and --since in the search box, and refuses an option it does not know', async () => {
    const box = page.getByLabel('Search messages');
    if (!(await box.isVisible())) await page.getByRole('button', { name: 'Search', exact: true }).click();
    const results = page.getByRole('list', { name: 'Search results' });
    const searchFor = async (text: string) => {
      await box.fill(text);
      await box.press('Enter');
    };
    // The list holds the last search's hits until the new ones come: wait for exactly the hit wanted.
    const onlyHit = async (text: string) =>
      expect.poll(async () => {
        const items = await results.getByRole('listitem').allTextContents();
        return items.length === 1 && (items[0] ?? '').includes(text);
      }).toBe(true);
    await searchFor('launch --room vault');
    await onlyHit(PRIVATE_TEXT);
    await searchFor('launch --room #town --from @erin --since 1d');
    await onlyHit(OPEN_TEXT);
    await searchFor('launch --room nowhere');
    await page.getByText('--room: you are in no room named #nowhere').waitFor();
    await searchFor('launch --limit 3');
    await page.getByText(/unknown option "--limit"/).waitFor();
  }, 60_000);

  it('streams the server’s summary of an open room into the panel', async () => {
    fake.reset();
    await page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: /#town/ }).click();
    await page.getByRole('heading', { name: '#town' }).waitFor();
    await page.getByRole('button', { name: 'Summarize' }).click();
    const panel = page.getByRole('region', { name: 'Summary of #town' });
    await panel.getByText('summary 1').waitFor();
    await panel.getByText("By the server-model on the server's provider").waitFor();
    expect(await panel.locator('.summary-text').getAttribute('data-streamed')).toBe('true');
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.stream).toBe(true);
    await panel.getByRole('button', { name: 'Close' }).click();
  }, 30_000);

  it('summarizes a private room on the device, with no request to any provider', async () => {
    fake.reset();
    await page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: /vault/ }).click();
    await page.getByRole('heading', { name: '🔒 vault' }).waitFor();
    await page.getByRole('button', { name: 'Summarize' }).click();
    const panel = page.getByRole('region', { name: 'Summary of 🔒 vault' });
    await panel.getByRole('status').getByText('By the offline summarizer', { exact: true }).waitFor();
    expect(await panel.locator('.summary-text').textContent()).toContain('tangerine');
    await panel.getByText(/^Made on this device by the offline summarizer/).waitFor();
    expect(fake.requests).toHaveLength(0);
  }, 30_000);

  it('deletes the private index on signing out from a page that has not searched since it loaded', async () => {
    // The index's code loads on the first search; a page without one deletes the database by its name.
    const other = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await register(other, server.url, 'gail');
    await createRoom(other, 'den', 'private');
    await other.getByLabel('Message 🔒den').fill('the den key is under the mat');
    await other.getByLabel('Message 🔒den').press('Enter');
    await other.locator('.timeline .message:not(.pending)').filter({ hasText: 'under the mat' }).waitFor();
    await other.getByRole('button', { name: 'Search', exact: true }).click();
    await other.getByLabel('Search messages').fill('mat');
    await other.getByLabel('Search messages').press('Enter');
    await other.getByRole('list', { name: 'Search results' }).getByRole('listitem').first().waitFor();
    expect((await searchDatabases(other)).names).toHaveLength(1);
    await other.reload();
    await other.getByRole('link', { name: 'Settings' }).click();
    await other.getByRole('region', { name: 'Sign out' }).getByRole('button', { name: 'Sign out', exact: true }).click();
    await other.getByRole('button', { name: 'New here? Register' }).waitFor();
    await expect.poll(async () => (await searchDatabases(other)).names).toEqual([]);
    await other.context().close();
  }, 60_000);

  it('deletes the private index when the user signs out', async () => {
    expect((await searchDatabases(page)).names).toHaveLength(1);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('region', { name: 'Sign out' }).getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('button', { name: 'New here? Register' }).waitFor();
    await expect.poll(async () => (await searchDatabases(page)).names).toEqual([]);
  }, 30_000);
});
