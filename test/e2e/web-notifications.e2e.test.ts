import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { createTestDatabase } from '../support/postgres.js';
import { chat, eventually, startServer, tempDir, userEnv } from '../support/binaries.js';

// Browser notifications of mentions and direct messages (issue 17, item 3) in headless Chromium:
// the page is made hidden by the test, and `window.Notification` records what would be shown while
// the permission stays the browser context's own.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const PASSWORD = 'correct horse battery';

/** Before any page script: a Notification that records, a `document.hidden` the test sets. */
const INIT = () => {
  const real = window.Notification;
  const shown: { title: string; tag: string | undefined }[] = [];
  class Recording {
    static get permission() {
      return real.permission;
    }
    static requestPermission() {
      return real.requestPermission();
    }
    onclick: (() => void) | null = null;
    constructor(title: string, options?: { tag?: string }) {
      shown.push({ title, tag: options?.tag });
    }
    close() {}
  }
  let hidden = false;
  Object.defineProperty(document, 'hidden', { get: () => hidden, configurable: true });
  Object.defineProperty(document, 'visibilityState', { get: () => (hidden ? 'hidden' : 'visible'), configurable: true });
  Object.assign(window, {
    Notification: Recording,
    shownNotifications: shown,
    setHidden: (h: boolean) => {
      hidden = h;
      document.dispatchEvent(new Event('visibilitychange'));
    },
  });
};

interface TestWindow {
  shownNotifications: { title: string; tag: string | undefined }[];
  setHidden(hidden: boolean): void;
}

const shown = (page: Page) => page.evaluate(() => (window as unknown as TestWindow).shownNotifications.map((n) => n.title));
const setHidden = (page: Page, hidden: boolean) => page.evaluate((h) => (window as unknown as TestWindow).setHidden(h), hidden);
/** Waits until the page has shown `count` notifications, and answers their titles. */
async function shownCount(page: Page, count: number): Promise<string[]> {
  await page.waitForFunction((n) => (window as unknown as TestWindow).shownNotifications.length >= n, count);
  return shown(page);
}

describe.runIf(haveChromium)('browser notifications of mentions and direct messages', () => {
  let server: ServerProcess;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let browser: Browser;
  let granted: BrowserContext;
  let page: Page;
  let bob: Record<string, string>;
  const errors: string[] = [];

  /** Bob says `text` in `room` through the CLI. */
  const say = async (room: string, text: string) => expect((await chat(bob, ['send', room, text])).code).toBe(0);
  /** Waits until Alice's open room shows `text` (so its notice, if any, has been handled). */
  const seen = (text: string) => page.getByRole('list', { name: 'Messages' }).getByText(text).waitFor();

  beforeAll(async () => {
    const dir = await tempDir('web-notify');
    // PostgreSQL: the embedded database's migrations are slow to start on a busy machine.
    db = await createTestDatabase();
    server = await startServer({ dataDir: join(dir, 'data'), env: { DATABASE_URL: db.url } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    bob = userEnv(join(dir, 'bob'), server.url);
    expect((await chat(bob, ['register', 'bob', '--password-stdin'], `${PASSWORD}\n`)).code).toBe(0);
    expect((await chat(bob, ['create', 'general'])).code).toBe(0);
    expect((await chat(bob, ['create', 'secret', '--private'])).code).toBe(0);
    const { url } = JSON.parse((await chat(bob, ['--json', 'invite', 'secret'])).stdout) as { url: string };

    // Alice registers from the invite link, in a browser that granted notifications.
    granted = await browser.newContext({ permissions: ['notifications'] });
    await granted.addInitScript(INIT);
    page = await granted.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.getByRole('button', { name: 'New here? Register' }).click();
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByText('You joined #secret.').waitFor();
    await page.getByRole('link', { name: 'Browse rooms' }).click();
    await page.getByLabel('Find a room').fill('general');
    await page.getByRole('button', { name: 'Join #general' }).first().click();
    await page.getByRole('heading', { name: '#general' }).waitFor();
    // Bob's CLI shares its chain with Alice's browser once it sees her device.
    await eventually(async () => ((await chat(bob, ['--json', 'verify', 'alice'])).code === 0 ? true : undefined), "Alice's device in the key directory", 20_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await db?.drop();
  });

  it('shows nothing while the page is visible, and a mention in an open room once it is hidden', async () => {
    await say('general', 'hey @alice, are you there?');
    await seen('hey @alice, are you there?');
    expect(await shown(page)).toEqual([]);
    await setHidden(page, true);
    await say('general', 'ping @alice again');
    expect(await shownCount(page, 1)).toEqual(['alice, @bob mentioned you in #general']);
  }, 60_000);

  it('does not notify a mention inside a code span, by the shared markdown rule', async () => {
    await say('general', 'type `@alice` to mention her');
    await say('general', 'and this one is @alice for real');
    expect(await shownCount(page, 2)).toEqual(['alice, @bob mentioned you in #general', 'alice, @bob mentioned you in #general']);
    await setHidden(page, false);
    await seen('and this one is @alice for real');
    expect(await shown(page)).toHaveLength(2);
  }, 60_000);

  it('notifies a mention in a private, encrypted room once the browser has decrypted it', async () => {
    await setHidden(page, true);
    await say('secret', 'the vault opens at nine, @alice');
    expect((await shownCount(page, 3))[2]).toBe('alice, @bob mentioned you in 🔒 secret');
  }, 60_000);

  it('notifies a direct message while that setting is on, and not once it is turned off', async () => {
    expect((await chat(bob, ['dm', 'alice'])).code).toBe(0);
    await say('@alice', 'a direct hello');
    expect((await shownCount(page, 4))[3]).toBe('New message from @bob');

    await setHidden(page, false);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Notify me of every direct message too').uncheck();
    await setHidden(page, true);
    await say('@alice', 'a quiet direct message');
    await say('general', 'last call @alice');
    expect((await shownCount(page, 5)).slice(4)).toEqual(['alice, @bob mentioned you in #general']);
    expect(await shown(page)).toHaveLength(5);
  }, 60_000);

  it('shows nothing in a browser that did not grant the permission', async () => {
    const context = await browser.newContext();
    await context.addInitScript(INIT);
    const other = await context.newPage();
    await other.goto(`${server.url}/rooms/general`);
    await other.getByLabel('Username').fill('alice');
    await other.getByLabel('Password').fill(PASSWORD);
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.getByRole('heading', { name: '#general' }).waitFor();
    expect(await other.evaluate(() => Notification.permission)).not.toBe('granted');
    await setHidden(other, true);
    await say('general', 'anyone? @alice');
    await other.getByRole('list', { name: 'Messages' }).getByText('anyone? @alice').waitFor();
    expect(await shown(other)).toEqual([]);
    await context.close();
    expect(errors).toEqual([]);
  }, 60_000);
});
