import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { chat, eventually, spawnChat, startServer, tempDir, userEnv } from '../support/binaries.js';
import { haveChromium, launchChromium, signInWithForm } from '../support/browser.js';
import { createTestDatabase } from '../support/postgres.js';

// Device approval between the web client and the terminal, with the built binaries and headless
// Chromium: a new browser restores with the recovery key and reads the earlier private messages; it
// then approves a new terminal by comparing digits; and a terminal approves a new browser. Each
// approved device reads the earlier private messages too (the approver sends it the key backup's key
// over the verification) and the next one.
const PASSWORD = 'correct horse battery staple';
type Read = { events: { kind: string; decrypted?: { status: string; body?: string } }[] };
type Devices = { thisDevice: { deviceId: string; status: string }; devices: { deviceId: string; approved: boolean }[] };

describe.runIf(haveChromium)('approving devices across the web client and the terminal', () => {
  let dir: string;
  let server: ServerProcess;
  let browser: Browser;
  let db: { url: string; drop: () => Promise<void> };
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  let recoveryKey: string;
  /** The browser that restored the key backup (it then holds the identity key, and approves). */
  let holder: Page;
  const earlier = `before any browser ${randomUUID()}`;

  const json = async <T>(env: Record<string, string>, args: string[]): Promise<T> => {
    const r = await chat(env, ['--json', ...args]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  /** The digits the page's approval dialog shows. */
  const digitsOn = async (page: Page) => (await page.getByLabel('Verification digits').textContent())?.trim();
  /** Opens the private room on the page and waits for a message's text. */
  const readsOn = async (page: Page, text: string) => {
    await page.goto(`${server.url}/rooms/secret`);
    // The timeline's line (a notice may repeat the text).
    await page.getByText(text, { exact: true }).first().waitFor({ timeout: 60_000 });
  };

  beforeAll(async () => {
    dir = await tempDir('web-device-approval');
    db = await createTestDatabase();
    server = await startServer({ dataDir: join(dir, 'data'), env: { DATABASE_URL: db.url } });
    browser = await launchChromium();
    alice = userEnv(join(dir, 'alice'), server.url);
    bob = userEnv(join(dir, 'bob'), server.url);
    const registered = await chat(alice, ['--json', 'register', 'alice', '--password-stdin'], `${PASSWORD}\n`);
    expect(registered.code, registered.stderr).toBe(0);
    recoveryKey = (JSON.parse(registered.stdout) as { recoveryKey: string }).recoveryKey;
    expect((await chat(bob, ['register', 'bob', '--password-stdin'], `${PASSWORD}\n`)).code).toBe(0);
    expect((await chat(alice, ['create', 'secret', '--private'])).code).toBe(0);
    const invite = (await json<{ url: string }>(alice, ['invite', 'secret'])).url;
    expect((await chat(bob, ['join', invite])).code).toBe(0);
    expect((await chat(bob, ['send', 'secret', earlier])).code).toBe(0);
    // Alice's terminal opens it, so its key goes into her backup.
    expect((await json<Read>(alice, ['read', 'secret'])).events.at(-1)?.decrypted).toMatchObject({ status: 'ok', body: earlier });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await db?.drop();
  });

  it('a new browser is not verified until the recovery key is entered, then reads the earlier private messages', async () => {
    holder = await (await browser.newContext()).newPage();
    await signInWithForm(holder, server.url, 'alice', PASSWORD);
    const banner = holder.getByRole('region', { name: 'This device is not verified' });
    await banner.getByText('approve it from another of your devices, or enter your recovery key').waitFor();
    await banner.getByLabel('Recovery key').fill('0000 1111 2222');
    await banner.getByRole('button', { name: 'Verify with the recovery key' }).click();
    await banner.getByRole('alert').waitFor();
    await banner.getByLabel('Recovery key').fill(recoveryKey);
    await banner.getByRole('button', { name: 'Verify with the recovery key' }).click();
    await banner.waitFor({ state: 'detached', timeout: 60_000 });
    await readsOn(holder, earlier).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\n${await holder.locator('main').innerText()}`);
    });
    const listed = await json<Devices>(alice, ['devices']);
    expect(listed.devices.every((d) => d.approved)).toBe(true);
  }, 180_000);

  it('the browser approves a new terminal after comparing digits, and the terminal reads the earlier and the next private messages', async () => {
    const terminal = userEnv(join(dir, 'alice-terminal'), server.url);
    expect((await chat(terminal, ['login', 'alice', '--password-stdin'], `${PASSWORD}\n`)).code).toBe(0);
    // The terminal publishes its keys with its first command; the browser is told at once.
    const asking = spawnChat(terminal, ['devices', 'request'], { stdin: 'pipe' });
    const prompt = holder.getByRole('dialog', { name: 'New sign-in to your account' });
    await prompt.getByText('chat-cli on').waitFor({ timeout: 60_000 });
    await prompt.getByRole('button', { name: 'Approve' }).click();
    const code = await eventually(() => /Code: (\d{4} \d{4} \d{4})/.exec(asking.stderr())?.[1], 'the terminal’s code', 60_000);
    await holder.getByLabel('Verification digits').waitFor({ timeout: 60_000 });
    expect(await digitsOn(holder)).toBe(code);
    await holder.getByRole('button', { name: 'They match' }).click();
    asking.proc.stdin?.end(`${code}\n`);
    expect(await asking.exited, asking.stderr()).toBe(0);
    expect(asking.stdout()).toMatch(/Your earlier private messages are readable here/);
    await holder.getByRole('dialog', { name: 'Device approved' }).waitFor({ timeout: 60_000 });
    // The browser sent its key backup's key: the terminal holds the identity key from the backup, and reads what came before it.
    expect((await json<Devices>(terminal, ['devices'])).thisDevice.status).toBe('holder');
    expect((await json<Read>(terminal, ['read', 'secret'])).events.find((e) => e.decrypted?.body === earlier)?.decrypted).toMatchObject({ status: 'ok' });

    const later = `for the approved terminal ${randomUUID()}`;
    expect((await chat(bob, ['send', 'secret', later])).code).toBe(0);
    expect((await json<Read>(terminal, ['read', 'secret'])).events.at(-1)?.decrypted).toMatchObject({ status: 'ok', body: later });
    await holder.close();
  }, 180_000);

  it('a terminal approves a new browser with `chat devices approve`, and the browser reads the earlier and the next private messages', async () => {
    const page = await (await browser.newContext()).newPage();
    await signInWithForm(page, server.url, 'alice', PASSWORD);
    await page.getByRole('region', { name: 'This device is not verified' }).getByText('Waiting for another of your devices').waitFor({ timeout: 60_000 });
    const approving = spawnChat(alice, ['devices', 'approve'], { stdin: 'pipe' });
    const code = await eventually(() => /Code: (\d{4} \d{4} \d{4})/.exec(approving.stderr())?.[1], 'the terminal’s code', 60_000);
    await page.getByLabel('Verification digits').waitFor({ timeout: 60_000 });
    expect(await digitsOn(page)).toBe(code);
    approving.proc.stdin?.end(`${await digitsOn(page)}\n`);
    await page.getByRole('button', { name: 'They match' }).click();
    expect(await approving.exited, approving.stderr()).toBe(0);
    const verified = page.getByRole('dialog', { name: 'This device is verified' });
    await verified.waitFor({ timeout: 60_000 });
    await verified.getByText('Your earlier private messages are readable here').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('region', { name: 'This device is not verified' }).waitFor({ state: 'detached' });

    await readsOn(page, earlier);
    const later = `for the approved browser ${randomUUID()}`;
    expect((await chat(bob, ['send', 'secret', later])).code).toBe(0);
    await readsOn(page, later);
  }, 180_000);
});
