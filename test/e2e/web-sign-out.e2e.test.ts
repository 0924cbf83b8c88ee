import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, MemorySessionStore } from '../../shared/client/index.js';
import type { ServerProcess } from '../support/binaries.js';
import { eventually, startServer, tempDir } from '../support/binaries.js';
import { createTestDatabase } from '../support/postgres.js';

// "Sign out everywhere" in the web client's settings ends every session of the account: other
// browsers (which published keys) and a client that never published any.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PASSWORD = 'correct horse battery';

async function signIn(page: Page, url: string, register: boolean): Promise<void> {
  await page.goto(url);
  if (register) await page.getByRole('button', { name: 'New here? Register' }).click();
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: register ? 'Register' : 'Sign in' }).click();
  await page.getByRole('link', { name: 'Settings' }).waitFor();
}

describe.runIf(existsSync(CHROMIUM))('signing out everywhere from the web client', () => {
  let server: ServerProcess;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let browser: Browser;

  beforeAll(async () => {
    const dir = await tempDir('web-sign-out');
    // PostgreSQL: the embedded database's migrations are slow to start on a busy machine.
    db = await createTestDatabase();
    server = await startServer({ dataDir: join(dir, 'data'), env: { DATABASE_URL: db.url } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await db?.drop();
  });

  it('ends the sessions of every browser and of a device without keys, and each page shows the sign-in form', async () => {
    const here = await (await browser.newContext()).newPage();
    await signIn(here, server.url, true);
    const there = await (await browser.newContext()).newPage();
    await signIn(there, server.url, false);
    // A client that signs in and never publishes keys (not in the device directory).
    const keyless = new ApiClient({ serverUrl: server.url, fetch: (u, init) => fetch(u, init), sessions: new MemorySessionStore() });
    await keyless.login({ username: 'alice', password: PASSWORD });
    expect((await keyless.devicesOfUser('alice')).map((d) => d.deviceId)).not.toContain((await keyless.session())?.deviceId);

    await here.getByRole('link', { name: 'Settings' }).click();
    // The keyless sign-in is listed among the devices, labelled, with Sign out (it was invisible here).
    const keylessRow = here.getByRole('list', { name: 'Your devices' }).getByRole('listitem').filter({ hasText: 'signed in, no encryption keys — cannot read private rooms' });
    await keylessRow.waitFor();
    expect(await keylessRow.getByRole('button', { name: 'Sign out' }).count()).toBe(1);
    // It asks first: Cancel signs nothing out.
    await here.getByRole('button', { name: 'Sign out everywhere' }).click();
    const confirm = here.getByRole('dialog', { name: 'Sign out everywhere?' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect(await keyless.rooms()).toBeInstanceOf(Array);
    await here.getByRole('button', { name: 'Sign out everywhere' }).click();
    await confirm.getByRole('button', { name: 'Sign out everywhere' }).click();
    await here.getByRole('button', { name: 'New here? Register' }).waitFor();
    // The other browser's socket closes; it forgets the session and says why.
    await there.getByText('This session was signed out, here or on another device. Sign in again.').waitFor();
    await there.getByRole('button', { name: 'New here? Register' }).waitFor();
    await expect(keyless.rooms()).rejects.toMatchObject({ code: 'session_revoked' });
  }, 90_000);

  it('signing out removes the browser\'s device from the account (no approved device is left behind), says so, and signing in again is one new device', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(server.url);
    await page.getByRole('button', { name: 'New here? Register' }).click();
    await page.getByLabel('Username').fill('wendy');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByRole('link', { name: 'Settings' }).waitFor();
    // Another client of the account, to see its devices as `chat devices` does.
    const cli = new ApiClient({ serverUrl: server.url, fetch: (u, init) => fetch(u, init), sessions: new MemorySessionStore() });
    await cli.login({ username: 'wendy', password: PASSWORD });
    const cliDevice = (await cli.session())!.deviceId;
    const browserDevices = async () => (await cli.deviceActivity()).map((d) => d.deviceId).filter((id) => id !== cliDevice);
    const first = await eventually(async () => ((await browserDevices()).length === 1 ? await browserDevices() : undefined), 'the browser device');

    await page.getByRole('link', { name: 'Settings' }).click();
    const section = page.getByRole('region', { name: 'Sign out' });
    await section.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('button', { name: 'New here? Register' }).waitFor();
    // Gone from the account at once, not left approved with keys no one holds; and the page says so,
    // before signing out and after.
    expect(await browserDevices()).toEqual([]);
    await page.getByText("This browser's device was removed from your account and its keys deleted here").waitFor();

    await page.getByLabel('Username').fill('wendy');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Settings' }).waitFor();
    const second = await eventually(async () => ((await browserDevices()).length === 1 ? await browserDevices() : undefined), 'the new browser device');
    expect(second).not.toEqual(first);
    await page.getByRole('link', { name: 'Settings' }).click();
    await section.getByText('Signing out removes this browser as a device').waitFor();
    // The other client kept its session: only this browser's device was revoked.
    expect(await cli.rooms()).toBeInstanceOf(Array);
  }, 90_000);
});
