import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { chat, startServer, tempDir, userEnv } from '../support/binaries.js';
import { createTestDatabase } from '../support/postgres.js';
import { BROWSER_PASSWORD, haveChromium, launchChromium, messageRow as row, registerInPage } from '../support/browser.js';

// ↑ in the empty message box edits this user's last message; while their newest one is still being
// sent it must not edit an older one, and (as the TUI does) it says why, in a live region.
describe.runIf(haveChromium)('↑ in the web composer while the newest message is still being sent', () => {
  let server: ServerProcess;
  let db: { url: string; drop: () => Promise<void> };
  let browser: Browser;
  let page: Page;
  /** While true, the page's `send` frames never reach the server: its newest message stays sending. */
  let holdSends = false;

  beforeAll(async () => {
    const dir = await tempDir('web-edit-last');
    db = await createTestDatabase();
    server = await startServer({ dataDir: join(dir, 'data'), env: { DATABASE_URL: db.url } });
    const bob = userEnv(join(dir, 'bob'), server.url);
    expect((await chat(bob, ['register', 'bob', '--password-stdin'], `${BROWSER_PASSWORD}\n`)).code).toBe(0);
    expect((await chat(bob, ['create', 'plaza'])).code).toBe(0);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
    await page.routeWebSocket(/\/ws/, (ws) => {
      const upstream = ws.connectToServer();
      ws.onMessage((message) => {
        if (holdSends && typeof message === 'string' && (JSON.parse(message) as { type?: string }).type === 'send') return;
        upstream.send(message);
      });
    });
    await registerInPage(page, server.url, 'alice');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await db?.drop();
  });

  // ↑ did nothing at all: no edit, and no word of why.
  it('edits nothing and says the last message is still being sent, until the user types', { timeout: 120_000 }, async () => {
    await page.goto(`${server.url}/rooms/plaza`);
    await page.getByRole('button', { name: 'Join #plaza' }).click();
    const box = page.getByRole('textbox', { name: 'Message #plaza' });
    await box.fill('an older message');
    await box.press('Enter');
    await row(page, 'an older message').and(page.locator('.message:not(.pending)')).waitFor();

    holdSends = true;
    await box.fill('the newest, still on its way');
    await box.press('Enter');
    await row(page, 'the newest, still on its way').and(page.locator('.message.pending')).waitFor();
    await box.press('ArrowUp');
    const note = page.getByRole('status').filter({ hasText: 'your last message is still being sent: edit it once it is sent' });
    await note.waitFor();
    expect(await note.getAttribute('aria-live')).toBe('polite');
    // The older message is not put into an editor in its place.
    expect(await page.getByRole('textbox', { name: /^Edit/ }).count()).toBe(0);
    expect(await box.inputValue()).toBe('');
    await box.pressSequentially('x');
    await note.waitFor({ state: 'detached' });
  });
});
