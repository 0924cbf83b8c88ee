import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, MemorySessionStore } from '../../shared/client/index.js';
import { chat, tempDir, userEnv } from '../support/binaries.js';
import { FAKE_CONTINUATION, forbiddenIn, HOSTILE_MESSAGES, HOSTILE_TOPIC, LEGIT } from '../support/hostile-strings.js';
import type { TamperingServer } from '../support/tampering-server.js';
import { startTamperingServer } from '../support/tampering-server.js';

// The hostile fixture set on the web page: React escapes HTML, and the page must also show control,
// bidi and invisible characters as visible marks, and indent a message's continuation lines. The
// topics are written into the server's database (test/support/tampering-server.ts), as a compromised
// server would: the honest one refuses control characters in a topic.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const PASSWORD = 'correct horse battery';
const SHOTS = resolve(import.meta.dirname, '../../.artifacts/screenshots');

/** The page's text, checked for raw control, bidi and invisible characters. */
async function expectInertPage(page: Page): Promise<void> {
  const text = await page.evaluate(() => document.body.textContent ?? '');
  expect(forbiddenIn(text)).toEqual([]);
  const messages = (await page.getByRole('list', { name: 'Messages' }).textContent()) ?? '';
  expect(messages).toContain('⟨U+202E⟩');
  expect(messages).toContain('^[]0;PWNED-TITLE-0^G');
  expect(messages).toContain(LEGIT.family);
  expect(messages).toContain(LEGIT.persian);
  const topic = (await page.getByLabel('Topic').textContent()) ?? '';
  expect(topic).toContain('title^[]0;PWNED-TITLE-0^Gset before^[[2J^[[Hafter-clear');
  expect(topic).toContain(LEGIT.family);
}

/** How far right of its message's time each line posing as a message starts, in CSS pixels. */
function posingIndents(page: Page): Promise<number[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('.timeline [role=listitem]')).flatMap((li) => {
      const start = li.querySelector('time')?.getBoundingClientRect().left ?? 0;
      return Array.from(li.querySelectorAll('.continuation')).filter((c) => c.textContent?.includes('mallory:')).map((c) => c.getBoundingClientRect().left - start);
    }),
  );
}

describe.runIf(haveChromium)('hostile text on the web page', () => {
  let tampering: TamperingServer;
  let browser: Browser;
  let alice: Record<string, string>;

  beforeAll(async () => {
    const dir = await tempDir('web-hostile');
    tampering = await startTamperingServer({ dataDir: join(dir, 'data') });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    alice = userEnv(join(dir, 'alice'), tampering.url);
    expect((await chat(alice, ['register', 'alice', '--password-stdin'], PASSWORD + '\n')).code).toBe(0);
    expect((await chat(alice, ['create', 'lobby', '--topic', 'benign'])).code).toBe(0);
    expect((await chat(alice, ['create', 'secret', '--private', '--topic', 'benign'])).code).toBe(0);
    for (const room of ['lobby', 'secret']) await tampering.setTopic(room, HOSTILE_TOPIC);
    const bob = new ApiClient({ serverUrl: tampering.url, fetch: (u, init) => fetch(u, init), sessions: new MemorySessionStore() });
    await bob.register({ username: 'bob', password: PASSWORD });
    await bob.join('lobby');
    for (const body of [...HOSTILE_MESSAGES, FAKE_CONTINUATION]) await bob.send('lobby', body, crypto.randomUUID());
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await tampering?.stop();
  });

  it('shows an open room\'s hostile topic and messages neutralized, with continuation lines indented; and a private room\'s, saying the server can read its topic', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 2000 } })).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(tampering.url);
    await page.getByRole('button', { name: 'New here? Register' }).click();
    await page.getByLabel('Username').fill('carol');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByRole('link', { name: 'Settings' }).waitFor();
    await page.goto(`${tampering.url}/rooms/lobby`);
    await page.getByRole('button', { name: 'Join #lobby' }).click();
    await page.getByRole('heading', { name: '#lobby' }).waitFor();
    await page.getByRole('list', { name: 'Messages' }).getByText('12:00 mallory: me too').waitFor();

    await expectInertPage(page);
    expect(await page.getByLabel('Topic').textContent()).not.toMatch(/server can read/);
    const indents = await posingIndents(page);
    expect(indents).toHaveLength(2);
    for (const px of indents) expect(px).toBeGreaterThan(20);

    // The private room: Carol joins by its link, then Alice sends the same, end to end encrypted.
    const link = (JSON.parse((await chat(alice, ['--json', 'invite', 'secret'])).stdout) as { url: string }).url;
    await page.goto(link);
    await page.getByRole('heading', { name: '🔒 secret' }).waitFor();
    expect((await chat(alice, ['send', 'secret'], [...HOSTILE_MESSAGES, FAKE_CONTINUATION].join('\n'))).code).toBe(0);
    await page.getByRole('list', { name: 'Messages' }).getByText('12:00 mallory: me too').waitFor();
    await expectInertPage(page);
    expect(await page.getByLabel('Topic').textContent()).toMatch(/not end-to-end encrypted: the server stores it in plain text and can read it/);
    expect(await posingIndents(page)).toHaveLength(2);
    for (const px of await posingIndents(page)) expect(px).toBeGreaterThan(20);
    await mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'web-hostile.png') });
    expect(errors).toEqual([]);
  }, 60_000);
});
