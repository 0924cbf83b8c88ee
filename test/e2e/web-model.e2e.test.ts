import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { chat, startServer, tempDir, userEnv } from '../support/binaries.js';

// The web page over the shared client model: rooms joined from another client appear live, and a
// message typed while the server is down waits as pending and goes once it is back.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const PASSWORD = 'correct horse battery';

interface ReadEvent {
  readonly kind: string;
  readonly decrypted?: { readonly status: string; readonly body?: string };
}

describe.runIf(haveChromium)('the web page and the client model', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  let dir: string;
  let carol: Record<string, string>;
  const errors: string[] = [];

  beforeAll(async () => {
    dir = await tempDir('web');
    server = await startServer({ dataDir: join(dir, 'data') });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const bob = userEnv(join(dir, 'bob'), server.url);
    expect((await chat(bob, ['register', 'bob', '--password-stdin'], PASSWORD + '\n')).code).toBe(0);
    expect((await chat(bob, ['create', 'lobby'])).code).toBe(0);
    page = await (await browser.newContext()).newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.getByRole('button', { name: 'New here? Register' }).click();
    await page.getByLabel('Username').fill('carol');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByText('You are in no rooms yet', { exact: false }).waitFor();
    // Carol's terminal: a second device of the same user.
    carol = userEnv(join(dir, 'carol'), server.url);
    expect((await chat(carol, ['login', 'carol', '--password-stdin'], PASSWORD + '\n')).code).toBe(0);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows a room joined with `chat join` in the open page, without a reload', async () => {
    expect((await chat(carol, ['join', 'lobby'])).code).toBe(0);
    await page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: '#lobby' }).click({ timeout: 20_000 });
    await page.getByRole('heading', { name: '#lobby' }).waitFor();
    expect(errors).toEqual([]);
  }, 30_000);

  it('shows a private message typed while the server is down as pending, and delivers it once when the server is back', async () => {
    expect((await chat(carol, ['create', 'secret', '--private'])).code).toBe(0);
    // Read once, so this device's keys are published before the page encrypts for the room.
    expect((await chat(carol, ['read', 'secret'])).code).toBe(0);
    const rooms = page.getByRole('navigation', { name: 'Rooms' });
    await rooms.getByText('🔒 secret').waitFor({ timeout: 20_000 });
    await rooms.getByText('🔒 secret').click();
    await page.getByRole('heading', { name: '🔒 secret' }).waitFor();

    expect(await server.stop()).toBe(0);
    await page.getByText('Connection lost — reconnecting…').waitFor({ timeout: 20_000 });
    const composer = page.getByRole('textbox', { name: 'Message 🔒secret' });
    // First one the server will refuse once it is back: within the length limit, too long once encrypted.
    const tooLong = '中'.repeat(15_000);
    await composer.fill(tooLong);
    await composer.press('Enter');
    await composer.fill('typed in the page while the server was down');
    await composer.press('Enter');
    const messages = page.getByRole('list', { name: 'Messages' });
    await messages.getByText('(pending: sent once connected)').nth(1).waitFor({ timeout: 10_000 });
    expect(await messages.textContent()).toContain('carol: typed in the page while the server was down');
    // The page keeps its outbox in memory: leaving it now asks first, and staying keeps the message.
    const asked = page.waitForEvent('dialog');
    void page.reload().catch(() => undefined);
    const dialog = await asked;
    expect(dialog.type()).toBe('beforeunload');
    await dialog.dismiss();
    expect(await messages.textContent()).toContain('(pending: sent once connected)');

    server = await startServer({ dataDir: join(dir, 'data'), port: server.port });
    // The refused one stays, marked not sent with its reason, until discarded: it is not dropped.
    const refused = messages.locator('[role=listitem][data-status="failed"]');
    await refused.getByText(/not sent: the message is too long once encrypted/).waitFor({ timeout: 60_000 });
    await messages.getByText('(pending: sent once connected)').waitFor({ state: 'detached', timeout: 60_000 });
    await messages.getByText('(sending…)').waitFor({ state: 'detached', timeout: 30_000 });
    // Stored now: the stored copy shows once this device has opened its envelope.
    await messages.getByText('typed in the page while the server was down').waitFor({ timeout: 30_000 });
    expect(await messages.textContent()).toContain('carol: typed in the page while the server was down');
    await refused.getByRole('button', { name: 'Discard' }).click();
    await refused.waitFor({ state: 'detached' });
    const read = await chat(carol, ['--json', 'read', 'secret']);
    expect(read.code, read.stderr).toBe(0);
    // Delivered once. The terminal is a second device of carol's that she has not approved, so the
    // page shares no key with it: it sees the one envelope but cannot open it.
    const delivered = (JSON.parse(read.stdout) as { events: ReadEvent[] }).events.filter((e) => e.kind === 'message');
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.decrypted?.body).toBeUndefined();
    expect(errors).toEqual([]);
  }, 120_000);
});
