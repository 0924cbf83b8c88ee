import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { chat, startServer, tempDir, userEnv } from '../support/binaries.js';
import { BROWSER_PASSWORD, axeViolations, haveChromium, launchChromium, registerInPage } from '../support/browser.js';
import { createTestDatabase } from '../support/postgres.js';

// What a new user's walkthrough of the web client found (issue 16): formatted messages, panels that
// Escape and navigation close, one panel at a time with the timeline keeping its room on a phone,
// message times on one line, and a signed-out page that logs no failed request.
const SHOTS = join(process.cwd(), '.artifacts/screenshots');
const FORMATTED = 'this is **bold** and `code` and https://example.com/walk';

/** The header's Search button (the search form has a Search button too). */
const searchButton = (page: Page) => page.getByRole('banner').getByRole('button', { name: 'Search', exact: true });
/** The focused element's accessible text (its label or text), to check where Escape left the focus. */
const focusedText = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.textContent?.trim() ?? '');

describe.runIf(haveChromium)('the web client as a new user walks through it', () => {
  let server: ServerProcess;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    const dir = await tempDir('web-walk');
    // PostgreSQL: the embedded database's migrations are slow to start on a busy machine.
    db = await createTestDatabase();
    server = await startServer({ dataDir: join(dir, 'data'), env: { DATABASE_URL: db.url } });
    await mkdir(SHOTS, { recursive: true });
    browser = await launchChromium();
    const bob = userEnv(join(dir, 'bob'), server.url);
    expect((await chat(bob, ['register', 'bob', '--password-stdin'], `${BROWSER_PASSWORD}\n`)).code).toBe(0);
    expect((await chat(bob, ['create', 'general'])).code).toBe(0);
    expect((await chat(bob, ['send', 'general', FORMATTED])).code).toBe(0);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
    page = await context.newPage();
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await db?.drop();
  });

  it('shows the sign-in page to a signed-out visitor with no console error (no 401 from the session check)', async () => {
    await page.goto(server.url);
    await page.getByLabel('Username').waitFor();
    // A reload asks again, as every visit does.
    await page.reload();
    await page.getByLabel('Username').waitFor();
    expect(consoleErrors).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
  }, 60_000);

  it('renders a message’s markdown in the timeline: bold, code and a link', async () => {
    await registerInPage(page, server.url, 'alice');
    await page.getByRole('region', { name: 'Key backup' }).getByRole('button', { name: 'I have written it down' }).click();
    await page.goto(`${server.url}/rooms/general`);
    await page.getByRole('button', { name: 'Join #general' }).click();
    await page.getByRole('heading', { name: '#general' }).waitFor();
    const row = page.getByRole('list', { name: 'Messages' }).getByRole('listitem').filter({ hasText: 'and code and' });
    await row.waitFor();
    expect(await row.locator('strong', { hasText: 'bold' }).count()).toBe(1);
    expect(await row.locator('code').textContent()).toBe('code');
    expect(await row.getByRole('link', { name: 'https://example.com/walk' }).getAttribute('href')).toBe('https://example.com/walk');
    expect(await row.textContent()).not.toContain('**');
  }, 60_000);

  it('shows a direct message as a conversation with the other person, not as a room to invite to or give a topic', async () => {
    await page.getByLabel('Message someone directly').fill('bob');
    await page.getByRole('button', { name: 'Open direct messages' }).click();
    await page.getByRole('heading', { name: '@bob' }).waitFor();
    expect(await page.getByRole('button', { name: /^Invite/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Edit topic' }).count()).toBe(0);
    expect(await page.getByText('No topic yet.').count()).toBe(0);
    await page.goto(`${server.url}/rooms/general`);
    await page.getByRole('heading', { name: '#general' }).waitFor();
  }, 60_000);

  // A link to a direct message one is not in said "There is no room #dm-0123… that you can see".
  it('never names a direct message by its stored dm- name on the page of a room one is not in', async () => {
    const seen = consoleErrors.length;
    await page.goto(`${server.url}/rooms/dm-00000000deadbeef`);
    await page.getByRole('heading', { name: 'No room here' }).waitFor();
    const main = (await page.locator('main').textContent()) ?? '';
    expect(main).toContain('There is no direct message here that you can see.');
    expect(main).not.toContain('dm-');
    // The room lookup's 404 is logged by the browser itself, as expected here; any other error stays.
    const added = consoleErrors.splice(seen);
    consoleErrors.push(...added.filter((e) => !/status of 404/.test(e)));
    await page.goto(`${server.url}/rooms/general`);
    await page.getByRole('heading', { name: '#general' }).waitFor();
  }, 60_000);

  it('keeps a message’s time on one line', async () => {
    const times = page.locator('.timeline time');
    await times.first().waitFor();
    const shape = await times.first().evaluate((el) => ({
      height: el.getBoundingClientRect().height,
      line: parseFloat(getComputedStyle(el).lineHeight),
      wrap: getComputedStyle(el).whiteSpace,
      numbers: getComputedStyle(el).fontVariantNumeric,
    }));
    expect(shape.wrap).toBe('nowrap');
    expect(shape.numbers).toBe('tabular-nums');
    expect(shape.height).toBeLessThan(shape.line * 1.5 + 4);
  });

  it('closes the search and summary panels with Escape, giving the focus back to their buttons', async () => {
    const headerSearch = searchButton(page);
    await headerSearch.click();
    const search = page.getByRole('region', { name: 'Search' });
    await page.getByLabel('Search messages').waitFor();
    await page.getByLabel('Search messages').press('Escape');
    await search.waitFor({ state: 'detached' });
    expect(await headerSearch.getAttribute('aria-expanded')).toBe('false');
    await expect.poll(() => focusedText(page)).toBe('Search');

    await page.getByRole('button', { name: 'Summarize' }).click();
    const summary = page.getByRole('region', { name: 'Summary of #general' });
    await summary.waitFor();
    await page.keyboard.press('Escape');
    await summary.waitFor({ state: 'detached' });
    await expect.poll(() => focusedText(page)).toBe('Summarize');
  }, 30_000);

  it('closes the open panel on going to another page', async () => {
    // From a freshly loaded room page, whatever the tests before left open.
    await page.goto(`${server.url}/rooms/general`);
    await page.getByRole('heading', { name: '#general' }).waitFor();
    await searchButton(page).click();
    await page.getByRole('region', { name: 'Search' }).waitFor();
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings' }).first().waitFor();
    expect(await page.getByRole('region', { name: 'Search' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Key backup' }).click();
    await page.getByRole('region', { name: 'Key backup' }).waitFor();
    await page.getByRole('link', { name: 'chat', exact: true }).click();
    await page.getByRole('link', { name: 'Browse rooms' }).first().waitFor();
    // That link is in the side bar before the page changes too: the panel is looked for until it is gone.
    await expect.poll(() => page.getByRole('region', { name: 'Key backup' }).count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'walkthrough-1280.png'), fullPage: true });
  }, 30_000);

  it('on a phone, opens one panel at a time and keeps the timeline at least 40% of the screen', async () => {
    await page.setViewportSize({ width: 375, height: 667 });
    await page.goto(`${server.url}/rooms/general`);
    await page.getByRole('heading', { name: '#general' }).waitFor();
    const timelineHeight = () => page.locator('.timeline').evaluate((el) => el.getBoundingClientRect().height);

    await page.getByRole('button', { name: 'Key backup' }).click();
    await page.getByRole('region', { name: 'Key backup' }).waitFor();
    await searchButton(page).click();
    await page.getByRole('region', { name: 'Search' }).waitFor();
    // One panel at a time: the search closed the key backup.
    expect(await page.getByRole('region', { name: 'Key backup' }).count()).toBe(0);
    expect(await timelineHeight()).toBeGreaterThanOrEqual(667 * 0.4);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'walkthrough-375-search.png') });

    // The sheet covers the room's header; Escape dismisses it, and the summary opens in its place.
    await page.getByLabel('Search messages').press('Escape');
    await page.getByRole('button', { name: 'Summarize' }).click();
    await page.getByRole('region', { name: 'Summary of #general' }).waitFor();
    expect(await timelineHeight()).toBeGreaterThanOrEqual(667 * 0.4);
    await page.screenshot({ path: join(SHOTS, 'walkthrough-375-summary.png') });
    // The header's Search replaces the summary.
    await searchButton(page).click();
    await page.getByRole('region', { name: 'Search' }).waitFor();
    expect(await page.getByRole('region', { name: 'Summary of #general' }).count()).toBe(0);
    await page.getByLabel('Search messages').press('Escape');
    expect(consoleErrors).toEqual([]);
  }, 60_000);
});
