import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { startServer, tempDir } from '../support/binaries.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const SHOTS = resolve(import.meta.dirname, '../../.artifacts/screenshots');
const PASSWORD = 'correct horse battery';

/** Registers through the form and waits for the signed-in screen. */
async function register(page: Page, url: string, username: string): Promise<void> {
  await page.goto(url);
  await page.getByRole('button', { name: 'New here? Register' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Register' }).click();
  await page.getByText('Join or create a room', { exact: false }).first().waitFor();
}

describe.runIf(haveChromium)('the web client in headless Chromium', () => {
  let server: ServerProcess;
  let browser: Browser;

  beforeAll(async () => {
    const dir = await tempDir('web');
    server = await startServer({ dataDir: join(dir, 'data') });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    await mkdir(SHOTS, { recursive: true });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('serves the page under a Content-Security-Policy with no inline scripts', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    const html = await res.text();
    expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('lets two people register and chat live in an open room, keeps the session in a cookie and the theme across a reload', async () => {
    const alice = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const bob = await (await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true })).newPage();
    const errors: string[] = [];
    // Script errors, not the browser's notes on expected answers (a 401 before anyone signed in).
    for (const page of [alice, bob]) page.on('pageerror', (e) => errors.push(e.message));

    await register(alice, server.url, 'alice');
    await alice.getByLabel('Join or create a room').fill('lobby');
    await alice.getByRole('button', { name: 'Join / create' }).click();
    await alice.getByRole('heading', { name: '#lobby' }).waitFor();

    await register(bob, server.url, 'bob');
    await bob.getByLabel('Join or create a room').fill('lobby');
    await bob.getByRole('button', { name: 'Join / create' }).click();
    await bob.getByRole('heading', { name: '#lobby' }).waitFor();

    // Alice types: Bob sees her typing, then the message when she presses Enter.
    const aliceBox = alice.getByLabel('Message #lobby');
    await aliceBox.fill('hello bob');
    await bob.getByText('alice is typing…').waitFor();
    await aliceBox.press('Enter');
    await bob.getByRole('list', { name: 'Messages' }).getByText('hello bob').waitFor();
    await bob.getByLabel('Message #lobby').fill('hi alice, from my phone');
    await bob.getByLabel('Message #lobby').press('Enter');
    await alice.getByRole('list', { name: 'Messages' }).getByText('hi alice, from my phone').waitFor();

    // The refresh token is in an HttpOnly cookie, out of reach of scripts and of localStorage.
    const cookies = await alice.context().cookies();
    const refresh = cookies.find((c) => c.name === 'chat_refresh');
    expect(refresh).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/api/v1/auth' });
    expect(await alice.evaluate(() => document.cookie)).toBe('');
    expect(await alice.evaluate(() => JSON.stringify(window.localStorage))).not.toContain(refresh?.value ?? 'none');

    await alice.getByLabel('Theme').selectOption('light');
    await alice.reload();
    await alice.getByRole('heading', { name: '#lobby' }).waitFor();
    expect(await alice.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await alice.getByRole('list', { name: 'Messages' }).getByText('hi alice, from my phone').waitFor();

    await alice.screenshot({ path: join(SHOTS, 'web-1280x800.png') });
    await bob.screenshot({ path: join(SHOTS, 'web-375x812.png') });
    expect(errors).toEqual([]);
  }, 60_000);

  it('joins a private room by opening its invite link', async () => {
    const alice = await (await browser.newContext()).newPage();
    await register(alice, server.url, 'carol');
    await alice.getByLabel('Join or create a room').fill('vault');
    await alice.getByRole('button', { name: 'Create private' }).click();
    await alice.getByRole('heading', { name: '🔒 vault' }).waitFor();
    await alice.getByRole('button', { name: 'Invite' }).click();
    const note = await alice.getByText(/^Invite link/).textContent();
    const link = /http:\/\/\S+\/invite\/[\w-]+/.exec(note ?? '')?.[0];
    expect(link).toBeDefined();

    const dave = await (await browser.newContext()).newPage();
    await dave.goto(link as string);
    await dave.getByText('Sign in or register to join the room you were invited to.').waitFor();
    await dave.getByRole('button', { name: 'New here? Register' }).click();
    await dave.getByLabel('Username').fill('dave');
    await dave.getByLabel('Password').fill(PASSWORD);
    await dave.getByRole('button', { name: 'Register' }).click();
    await dave.getByText('You joined #vault.').waitFor();
    expect(new URL(dave.url()).pathname).toBe('/');
    await dave.getByRole('heading', { name: '🔒 vault' }).waitFor();
  }, 60_000);
});

describe.runIf(!haveChromium)('the web client in headless Chromium', () => {
  it('needs chromium; .ci/run installs it', () => {
    expect(haveChromium).toBe(false);
  });
});
