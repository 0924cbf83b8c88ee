import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { startServer, tempDir } from '../support/binaries.js';
import { createTestDatabase } from '../support/postgres.js';

// What a brand-new user meets first in the web client, on a phone and a desktop: the header's
// controls all on screen, and the recovery key shown after registering, with a way to copy it.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PASSWORD = 'correct horse battery';

async function register(page: Page, url: string, username: string): Promise<void> {
  await page.goto(url);
  await page.getByRole('button', { name: 'New here? Register' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Register' }).click();
  await page.getByRole('link', { name: 'Settings' }).waitFor();
}

describe.runIf(existsSync(CHROMIUM))('a new user’s first minutes in the web client', () => {
  let server: ServerProcess;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let browser: Browser;

  beforeAll(async () => {
    const dir = await tempDir('web-first-use');
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

  for (const width of [320, 375]) {
    it(`keeps every header control whole on screen at ${width} px`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 700 } });
      const page = await context.newPage();
      await register(page, server.url, `phone${width}`);
      const header = page.getByRole('banner');
      const controls = [header.getByRole('button', { name: /^Rooms/ }), header.getByRole('link', { name: 'chat' }), header.getByRole('button', { name: 'Search' }), header.getByRole('button', { name: 'Key backup' }), header.getByRole('link', { name: 'Settings' })];
      for (const control of controls) {
        const box = await control.boundingBox();
        expect(box, String(control)).not.toBeNull();
        expect(box!.x, String(control)).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width, String(control)).toBeLessThanOrEqual(width);
      }
      // Nothing in the page is scrolled sideways to reach a control.
      await header.getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('heading', { name: 'Settings' }).waitFor();
      expect((await page.getByRole('heading', { name: 'Settings' }).boundingBox())!.x).toBeGreaterThanOrEqual(0);
      await context.close();
    }, 60_000);
  }

  it('shows the new recovery key with a button that copies it, and a button that closes it', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, permissions: ['clipboard-read', 'clipboard-write'] });
    const page = await context.newPage();
    await register(page, server.url, 'newcomer');
    const panel = page.getByRole('region', { name: 'Key backup' });
    const key = (await panel.getByLabel('Recovery key', { exact: true }).textContent())?.trim() ?? '';
    expect(key).toMatch(/^[0-9A-Z]{4}( [0-9A-Z]{4})+$/);
    await panel.getByRole('button', { name: 'Copy recovery key' }).click();
    await panel.getByText('Copied').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    await panel.getByRole('button', { name: 'I have written it down' }).click();
    await panel.waitFor({ state: 'detached' });
    await context.close();
  }, 60_000);

  // A look-alike of a taken name (`newcomer` is taken above) could be registered.
  it('says in the form that a look-alike of a taken name is taken, and which', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByRole('button', { name: 'New here? Register' }).click();
    await page.getByLabel('Username').fill('New.Comer');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Register' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('the username "New.Comer" is too like "newcomer", which is taken');
    await context.close();
  }, 60_000);
});
