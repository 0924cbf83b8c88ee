import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { chat, startServer, tempDir, userEnv } from '../support/binaries.js';
import { haveChromium, launchChromium, signInWithForm } from '../support/browser.js';
import { createTestDatabase } from '../support/postgres.js';

// Search in a new browser of a user whose private room was written from the terminal: while the
// browser is not verified it says what it could not search and how to fix it; once the recovery key
// is entered the earlier private messages are found. An edited message shows its send time, marked
// edited, in both room types.
const PASSWORD = 'correct horse battery staple';

describe.runIf(haveChromium)('web search over a private room whose keys come with the recovery key', () => {
  let server: ServerProcess;
  let browser: Browser;
  let db: { url: string; drop: () => Promise<void> };
  let recoveryKey: string;

  beforeAll(async () => {
    const dir = await tempDir('web-private-search-keys');
    db = await createTestDatabase();
    server = await startServer({ dataDir: join(dir, 'data'), env: { DATABASE_URL: db.url } });
    browser = await launchChromium();
    const alice = userEnv(join(dir, 'alice'), server.url);
    const registered = await chat(alice, ['--json', 'register', 'alice', '--password-stdin'], `${PASSWORD}\n`);
    expect(registered.code, registered.stderr).toBe(0);
    recoveryKey = (JSON.parse(registered.stdout) as { recoveryKey: string }).recoveryKey;
    expect((await chat(alice, ['create', 'general'])).code).toBe(0);
    expect((await chat(alice, ['create', 'plans', '--private'])).code).toBe(0);
    for (const room of ['general', 'plans']) {
      expect((await chat(alice, ['send', room, 'PLT-3699 budget'])).code).toBe(0);
      // Each room's message edited: its hit keeps the send time, marked edited.
      const read = JSON.parse((await chat(alice, ['--json', 'read', room])).stdout) as { events: { seq: number; kind: string }[] };
      const seq = read.events.filter((e) => e.kind === 'message').at(-1)?.seq;
      expect((await chat(alice, ['edit', room, String(seq), 'PLT-3699 budget, revised'])).code).toBe(0);
    }
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await db?.drop();
  });

  it('says what of the private rooms an unverified browser could not search, and finds it after the recovery key', async () => {
    const page = await (await browser.newContext()).newPage();
    await signInWithForm(page, server.url, 'alice', PASSWORD);
    const banner = page.getByRole('region', { name: 'This device is not verified' });
    await banner.waitFor();
    const searchFor = async (q: string) => {
      if (!(await page.getByLabel('Search messages').isVisible())) await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page.getByLabel('Search messages').fill(q);
      await page.getByLabel('Search messages').press('Enter');
      const status = page.locator('.search-status');
      await expect.poll(async () => (await status.textContent()) ?? '', { timeout: 30_000 }).toMatch(/result|No messages/);
      return { status: (await status.textContent()) ?? '', items: await page.getByRole('list', { name: 'Search results' }).getByRole('listitem').allTextContents() };
    };

    // It said "1 result" and nothing of the private room.
    const before = await searchFor('PLT');
    expect(before.items).toHaveLength(1);
    expect(before.items[0]).toContain('#general');
    expect(before.status).toMatch(/^1 result · \d+ messages? in 1 private room could not be searched on this device yet: this device is not approved/);
    expect(before.status).toContain('enter your recovery key');

    await banner.getByLabel('Recovery key').fill(recoveryKey);
    await banner.getByRole('button', { name: 'Verify with the recovery key' }).click();
    await banner.waitFor({ state: 'detached', timeout: 60_000 });

    const after = await searchFor('PLT');
    expect(after.status).toBe('2 results');
    expect(after.items.some((t) => t.includes('plans') && t.includes('PLT-3699 budget, revised'))).toBe(true);
    expect(after.items.some((t) => t.includes('#general'))).toBe(true);
    // Both edited: the send time, marked edited, in both room types.
    for (const t of after.items) expect(t).toContain('(edited)');
    const edited = await page.locator('.search-results time.search-edited').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')));
    const sent = await page.locator('.search-results .search-where > time:not(.search-edited)').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')));
    expect(edited).toHaveLength(2);
    for (const [i, at] of sent.entries()) expect(Date.parse(at ?? '')).toBeLessThan(Date.parse(edited[i] ?? ''));
    // And again after a reload, from the index kept in IndexedDB.
    await page.reload();
    expect((await searchFor('3699')).items).toHaveLength(2);
  }, 180_000);
});
