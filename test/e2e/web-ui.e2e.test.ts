import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, MemorySessionStore } from '../../shared/client/index.js';
import { senderHue } from '../../shared/text/sender-colour.js';
import type { ServerProcess } from '../support/binaries.js';
import { chat, startServer, tempDir, userEnv } from '../support/binaries.js';
import { createTestDatabase } from '../support/postgres.js';

// The web client's pages and flows in headless Chromium: routes and deep links, the directory
// (search, typo, create and join apart), live room list, links, colours, topic, and the checks every
// page passes: an axe-core scan, no horizontal overflow on phones, and screenshots for people to see.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const SHOTS = resolve(import.meta.dirname, '../../.artifacts/screenshots');
const PASSWORD = 'correct horse battery';
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Registers through the form and waits for the signed-in frame. */
async function register(page: Page, url: string, username: string): Promise<void> {
  await page.goto(url);
  await page.getByRole('button', { name: 'New here? Register' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Register' }).click();
  await page.getByRole('link', { name: 'Settings' }).waitFor();
}

/** The serious and critical axe-core violations on the page as it is now: rule id and the first element. */
async function axeViolations(page: Page, axeSource: string): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  const found = await page.evaluate(async () => {
    const w = window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } };
    const result = await w.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes[0]?.target.join(' ')}`);
  });
  return found;
}

/** How far the page is wider than the viewport, in CSS pixels (0: nothing overflows sideways). */
function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

describe.runIf(haveChromium)('the web client’s pages in headless Chromium', () => {
  let server: ServerProcess;
  let browser: Browser;
  let dir: string;
  let axeSource: string;
  let bob: ApiClient;
  let db: { url: string; drop: () => Promise<void> };

  beforeAll(async () => {
    dir = await tempDir('web-ui');
    // PostgreSQL rather than the embedded database, which starts slowly under load.
    db = await createTestDatabase();
    server = await startServer({ dataDir: join(dir, 'data'), env: { DATABASE_URL: db.url } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    axeSource = await readFile(AXE, 'utf8');
    await mkdir(SHOTS, { recursive: true });
    bob = new ApiClient({ serverUrl: server.url, fetch: (u, init) => fetch(u, init), sessions: new MemorySessionStore() });
    await bob.register({ username: 'bob', password: PASSWORD });
    await bob.createRoom({ name: 'general', topic: 'Everything, really' });
    await bob.send('general', 'welcome! the notes are at https://example.com/notes and not at javascript:alert(1)', crypto.randomUUID());
    await bob.send('general', 'the guide is at docs.example.org/guide; see also file.txt, node.js and v1.2.3', crypto.randomUUID());
    await bob.send('general', 'second line here\nand a continuation', crypto.randomUUID());
    // Alice, in #general, signs in through the pages below.
    const alice = new ApiClient({ serverUrl: server.url, fetch: (u, init) => fetch(u, init), sessions: new MemorySessionStore() });
    await alice.register({ username: 'alice', password: PASSWORD });
    await alice.join('general');
    // Enough messages for a search panel whose results scroll on a phone, in a room of their own.
    await bob.createRoom({ name: 'notebook' });
    await alice.join('notebook');
    for (let i = 0; i < 24; i++) await bob.send('notebook', `plenty of notes, number ${i}`, crypto.randomUUID());
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await db?.drop();
  });

  it('finds rooms by name, offers the room meant for a typo, and creates or joins only when asked', async () => {
    const page = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await register(page, server.url, 'amy');
    await page.getByText('You are in no rooms yet', { exact: false }).waitFor();

    // "genral": no such room, nothing created; #general is offered, and creating #genral is a separate question.
    await page.getByLabel('Find a room').fill('genral');
    const close = page.getByRole('region', { name: 'Close matches' });
    await close.getByRole('button', { name: 'Join #general' }).waitFor();
    await page.getByRole('button', { name: 'Create #genral?' }).waitFor();
    expect((await bob.directory({ q: 'genral' })).rooms).toEqual([]);

    // Joining says so (never "is yours to use") and lands in the room, with its topic in the header.
    await close.getByRole('button', { name: 'Join #general' }).click();
    await page.getByRole('heading', { name: '#general' }).waitFor();
    await page.getByText('You joined #general.').waitFor();
    expect(await page.getByLabel('Topic').textContent()).toContain('Everything, really');
    expect(await page.evaluate(() => document.body.textContent)).not.toMatch(/yours to use/);
    expect(new URL(page.url()).pathname).toBe('/rooms/general');

    // Creating is its own dialog; the new room is the user's, listed under Rooms.
    await page.getByRole('link', { name: 'Browse rooms' }).click();
    await page.getByLabel('Find a room').fill('book-club');
    await page.getByRole('button', { name: 'Create #book-club?' }).click();
    await page.getByRole('dialog', { name: 'Create a room' }).getByRole('button', { name: 'Create #book-club' }).click();
    await page.getByRole('heading', { name: '#book-club' }).waitFor();
    await page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: '#book-club' }).waitFor();
    expect(errors).toEqual([]);
  }, 90_000);

  it('keeps the address through a reload and through signing in, and answers an unknown room with a way on', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/rooms/general`);
    // Signed out: the form, at the same address; signed in: the room it pointed to.
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: '#general' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: '#general' }).waitFor();
    await page.goto(`${server.url}/settings`);
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await page.goto(`${server.url}/rooms/no-such-room`);
    await page.getByRole('heading', { name: 'No room here' }).waitFor();
    await context.close();
  }, 90_000);

  it('shows a room joined from the CLI by the same user without a reload, and a topic the owner changes at once', async () => {
    const page = await (await browser.newContext()).newPage();
    await register(page, server.url, 'erin');
    await page.getByLabel('Find a room').fill('general');
    await page.getByRole('region', { name: 'Open rooms' }).getByRole('button', { name: 'Join #general' }).click();
    await page.getByRole('heading', { name: '#general' }).waitFor();

    const cli = userEnv(join(dir, 'erin'), server.url);
    expect((await chat(cli, ['login', 'erin', '--password-stdin'], `${PASSWORD}\n`)).code).toBe(0);
    await bob.createRoom({ name: 'from-the-terminal' });
    expect((await chat(cli, ['join', 'from-the-terminal'])).code).toBe(0);
    await page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: '#from-the-terminal' }).waitFor();

    await bob.setTopic('general', 'Now with a new topic');
    await page.getByLabel('Topic').getByText('Now with a new topic').waitFor();
  }, 90_000);

  it('makes http links clickable and safe, leaves other schemes as text, colours names as the TUI does, and aligns continuation lines', async () => {
    const page = await (await browser.newContext()).newPage();
    await register(page, server.url, 'frank');
    await page.goto(`${server.url}/rooms/general`);
    await page.getByRole('button', { name: 'Join #general' }).click();
    const messages = page.getByRole('list', { name: 'Messages' });
    const link = messages.getByRole('link', { name: 'https://example.com/notes' });
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe('https://example.com/notes');
    expect((await link.getAttribute('rel'))?.split(' ')).toEqual(expect.arrayContaining(['noopener', 'noreferrer']));
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await messages.locator('a[href^="javascript"]').count()).toBe(0);
    // A bare domain is a link too, over https and as safe; file names and versions are not.
    const bare = messages.getByRole('link', { name: 'docs.example.org/guide' });
    expect(await bare.getAttribute('href')).toBe('https://docs.example.org/guide');
    expect((await bare.getAttribute('rel'))?.split(' ')).toEqual(expect.arrayContaining(['noopener', 'noreferrer']));
    expect(await bare.getAttribute('target')).toBe('_blank');
    const guide = messages.getByRole('listitem').filter({ hasText: 'the guide is at' });
    expect(await guide.getByRole('link').allTextContents()).toEqual(['docs.example.org/guide']);

    // Each sender's name in their hue, the one the TUI and chat read give them.
    await page.getByRole('textbox', { name: 'Message #general' }).fill('hello from frank');
    await page.getByRole('textbox', { name: 'Message #general' }).press('Enter');
    await messages.getByText('hello from frank').waitFor();
    const names = await messages.locator('[role=listitem] strong[data-hue]').evaluateAll((els) => els.map((el) => ({ name: el.textContent, hue: el.getAttribute('data-hue'), colour: getComputedStyle(el).color })));
    const bobName = names.find((n) => n.name === 'bob');
    const frankName = names.find((n) => n.name === 'frank');
    expect(bobName?.hue).toBe(senderHue('bob'));
    expect(frankName?.hue).toBe(senderHue('frank'));
    expect(senderHue('bob')).not.toBe(senderHue('frank'));
    expect(bobName?.colour).not.toBe(frankName?.colour);
    const body = await page.evaluate(() => getComputedStyle(document.body).color);
    expect(bobName?.colour).not.toBe(body);

    // A continuation line starts under the message's text, not at the row's left edge.
    const indent = await messages.locator('[role=listitem]', { hasText: 'and a continuation' }).evaluate((li) => {
      const c = li.querySelector('.continuation') as HTMLElement;
      return c.getBoundingClientRect().left - li.getBoundingClientRect().left;
    });
    expect(indent).toBeGreaterThan(30);
    // A day separator heads the day's messages.
    await messages.getByRole('separator', { name: 'Today' }).waitFor();
  }, 90_000);

  // One test per theme: each visits every page at four widths, which under load takes minutes.
  it.each(['light', 'dark'] as const)('passes an axe-core scan with no serious or critical violations, overflows no phone width, and leaves screenshots (%s)', async (theme) => {
    const found: string[] = [];
    const overflows: string[] = [];
    {
      for (const width of [320, 375, 768, 1280]) {
        // Axe is injected as a script, which the page's CSP rightly forbids: bypassed for this scan only.
        const context: BrowserContext = await browser.newContext({ viewport: { width, height: 800 }, bypassCSP: true, colorScheme: theme });
        const page = await context.newPage();
        await page.goto(server.url);
        await page.getByLabel('Username').waitFor();
        const check = async (name: string) => {
          found.push(...(await axeViolations(page, axeSource)).map((v) => `${name} ${theme} ${width}: ${v}`));
          const over = await overflow(page);
          if (width <= 768 && over > 0) overflows.push(`${name} at ${width}: ${over}px`);
          if (width !== 320) await page.screenshot({ path: join(SHOTS, `web-${name}-${width}-${theme}.png`) });
        };
        await check('sign-in');
        await page.getByLabel('Username').fill('alice');
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('link', { name: 'Settings' }).waitFor();
        await page.getByRole('region', { name: 'Open rooms' }).getByRole('listitem').first().waitFor();
        await check('directory');
        await page.goto(`${server.url}/rooms/general`);
        await page.getByRole('list', { name: 'Messages' }).getByText('welcome!', { exact: false }).waitFor();
        await check('room');
        await page.getByRole('button', { name: 'Members' }).click();
        await page.getByRole('list', { name: 'Members' }).waitFor();
        await check('members');
        await page.keyboard.press('Escape');
        // The search panel (with its results), then the room's summary panel: one panel at a time.
        await page.getByRole('banner').getByRole('button', { name: 'Search', exact: true }).click();
        await page.getByLabel('Search messages').fill('welcome');
        await page.getByLabel('Search messages').press('Enter');
        await page.getByRole('list', { name: 'Search results' }).getByRole('listitem').first().waitFor({ timeout: 30_000 });
        await check('search');
        await page.getByRole('region', { name: 'Search' }).getByRole('button', { name: 'Close' }).click();
        await page.getByRole('button', { name: 'Summarize' }).click();
        await page.getByRole('region', { name: 'Summary of #general' }).locator('[aria-busy="false"]').waitFor({ timeout: 30_000 });
        await check('summary');
        await page.getByRole('region', { name: 'Summary of #general' }).getByRole('button', { name: 'Close' }).click();
        if (width < 768) {
          await page.getByRole('button', { name: /^Rooms/ }).click();
          await page.getByRole('dialog', { name: 'Rooms' }).waitFor();
          await check('drawer');
          await page.keyboard.press('Escape');
        }
        await page.goto(`${server.url}/settings`);
        await page.getByRole('heading', { name: 'Devices' }).waitFor();
        await check('settings');
        // An invitation link that no longer works: the page says so and offers the way on.
        await page.goto(`${server.url}/invite/no-such-token`);
        await page.getByRole('alert').waitFor();
        await check('invite');
        await context.close();
      }
    }
    expect(found, found.join('\n')).toEqual([]);
    expect(overflows, overflows.join('\n')).toEqual([]);
  }, 600_000);

  it('reaches the room, the composer and the drawer by keyboard alone on a phone', async () => {
    const page = await (await browser.newContext({ viewport: { width: 375, height: 700 }, isMobile: true })).newPage();
    await page.goto(server.url);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: 'Settings' }).waitFor();
    // The drawer opens from the header by keyboard, and a room opens from it.
    await page.getByRole('button', { name: /^Rooms/ }).focus();
    await page.keyboard.press('Enter');
    const drawer = page.getByRole('dialog', { name: 'Rooms' });
    await drawer.waitFor();
    await drawer.getByRole('link', { name: '#general' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: '#general' }).waitFor();
    await drawer.waitFor({ state: 'detached' });
    // The composer sits at the bottom of the screen.
    const box = await page.getByRole('textbox', { name: 'Message #general' }).boundingBox();
    expect((box?.y ?? 0) + (box?.height ?? 0)).toBeGreaterThan(600);
    expect(await overflow(page)).toBe(0);
  }, 90_000);

  it('keeps each panel’s name and Close in view on a phone, however far it scrolls, and the room header usable after', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 700 } });
    const page = await context.newPage();
    // A new account: its first recovery key is shown once, and taken note of before anything else.
    await register(page, server.url, 'gina');
    await page.getByRole('button', { name: 'I have written it down' }).click();
    for (const room of ['notebook', 'general']) {
      await page.goto(`${server.url}/rooms/${room}`);
      await page.getByRole('button', { name: `Join #${room}` }).click();
      await page.getByRole('textbox', { name: `Message #${room}` }).waitFor();
    }
    const roomHeading = page.getByRole('heading', { name: '#general', level: 1 });
    await roomHeading.waitFor();
    /** Whether the element is on screen and is what a tap at its centre reaches (nothing lies over it). */
    const reachable = (locator: Locator) =>
      locator.evaluate((el) => {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.top < 0 || r.bottom > window.innerHeight || r.left < 0 || r.right > window.innerWidth) return false;
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return hit !== null && (hit === el || el.contains(hit));
      });
    const panels: { name: string; open: () => Promise<void>; panel: Locator; heading: string }[] = [
      {
        name: 'search',
        open: async () => {
          await page.getByRole('banner').getByRole('button', { name: 'Search', exact: true }).click();
          await page.getByLabel('Search messages').fill('notes');
          await page.getByLabel('Search messages').press('Enter');
          await page.getByRole('list', { name: 'Search results' }).getByRole('listitem').nth(10).waitFor({ timeout: 30_000 });
        },
        panel: page.getByRole('region', { name: 'Search' }),
        heading: 'Search',
      },
      {
        name: 'summary',
        open: async () => {
          await page.getByRole('button', { name: 'Summarize' }).click();
          await page.getByRole('region', { name: 'Summary of #general' }).locator('[aria-busy="false"]').waitFor({ timeout: 30_000 });
        },
        panel: page.getByRole('region', { name: 'Summary of #general' }),
        heading: 'Summary of #general',
      },
      {
        name: 'key backup',
        open: () => page.getByRole('button', { name: 'Key backup' }).click(),
        panel: page.getByRole('region', { name: 'Key backup' }),
        heading: 'Key backup',
      },
      {
        name: 'members',
        open: () => page.getByRole('button', { name: 'Members' }).click(),
        panel: page.getByRole('dialog', { name: /^Members/ }),
        heading: 'Members',
      },
    ];
    const problems: string[] = [];
    for (const p of panels) {
      await p.open();
      await p.panel.waitFor();
      // Scrolled to its end: the header with its name and Close is still there to read and to tap.
      await p.panel.evaluate((el) => {
        el.scrollTop = el.scrollHeight;
      });
      const heading = p.panel.getByRole('heading', { name: p.heading });
      const close = p.panel.getByRole('button', { name: 'Close', exact: true });
      if (!(await reachable(heading.first()))) problems.push(`${p.name}: its name is out of view`);
      if (!(await reachable(close))) problems.push(`${p.name}: Close is out of view or covered`);
      await close.click();
      await p.panel.waitFor({ state: 'detached' });
      if (!(await reachable(roomHeading))) problems.push(`${p.name}: the room header is covered after closing`);
    }
    expect(problems, problems.join('\n')).toEqual([]);
    expect(await overflow(page)).toBe(0);
    await context.close();
  }, 120_000);

  it('tabs through the main screen in order (header, room list, room header, composer) with the focus always visible', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(server.url);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: 'Settings' }).waitFor();
    await page.goto(`${server.url}/rooms/general`);
    await page.getByRole('list', { name: 'Messages' }).getByText('welcome!', { exact: false }).waitFor();
    const stops: { name: string; visible: boolean; onScreen: boolean }[] = [];
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press('Tab');
      const stop = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return null;
        // Radix's focus guards around an open dialog (a sign-in announced, not modal) are not controls.
        if (el.hasAttribute('data-radix-focus-guard')) return 'guard' as const;
        const style = getComputedStyle(el);
        const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || (style.boxShadow !== 'none' && style.boxShadow !== '');
        const r = el.getBoundingClientRect();
        const name = (el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40) || el.tagName;
        return { name: `${el.tagName.toLowerCase()}:${name}`, visible: el.matches(':focus-visible') && ring, onScreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < window.innerHeight };
      });
      if (!stop) break;
      if (stop === 'guard') continue;
      stops.push(stop);
      if (stop.name.startsWith('textarea:')) break;
    }
    const names = stops.map((s) => s.name);
    const at = (re: RegExp) => names.findIndex((n) => re.test(n));
    const order = [at(/^button:Search$/), at(/^a:Settings$/), at(/^a:Browse rooms$/), at(/^a:#general/), at(/^button:Summarize$/), at(/^button:Members$/), at(/^textarea:/)];
    expect(order.every((i) => i >= 0), names.join(' → ')).toBe(true);
    expect([...order].sort((a, b) => a - b), names.join(' → ')).toEqual(order);
    expect(stops.filter((s) => !s.visible || !s.onScreen).map((s) => s.name), names.join(' → ')).toEqual([]);
  }, 90_000);
});
