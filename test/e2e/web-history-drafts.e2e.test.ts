import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { startServer, tempDir } from '../support/binaries.js';
import { BROWSER_PASSWORD, haveChromium, launchChromium, messageRow, registerInPage } from '../support/browser.js';

// The web client's timeline scrolled back through a long room of today's messages, the sign-in
// form's refusals once the name they were about is changed, and the message box's drafts per room.
describe.runIf(haveChromium)('the web client: long history, form errors and drafts', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  let token: string;
  /** The REST API as `writer` (or as nobody, for `/auth`); answers the parsed body. */
  const post = async (path: string, body: unknown, as: string | null = token): Promise<{ id?: string; tokens?: { accessToken: string } }> => {
    const res = await fetch(`${server.url}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(as ? { authorization: `Bearer ${as}` } : {}) }, body: JSON.stringify(body) });
    return (await res.json()) as { id?: string; tokens?: { accessToken: string } };
  };
  const say = (room: string, body: string, relatesTo?: { type: 'edit'; eventId: string }) => post(`/rooms/${room}/messages`, { clientMsgId: crypto.randomUUID(), body, ...(relatesTo ? { relatesTo } : {}) });

  beforeAll(async () => {
    const dir = await tempDir('web-history-drafts');
    server = await startServer({ dataDir: join(dir, 'data') });
    token = (await post('/auth/register', { username: 'writer', password: BROWSER_PASSWORD }, null)).tokens?.accessToken ?? '';
    await post('/rooms', { name: 'archive' });
    await post('/rooms', { name: 'second' });
    // 300 messages, all sent today (so the timeline's first row is one "Today" divider that never
    // changes), with 100 edits of line 99 between line 99 and line 100: at least one page of older
    // history then holds nothing but edits, which adds no row to the timeline.
    let line99 = '';
    for (let i = 0; i < 100; i++) line99 = (await say('archive', `line ${i}`)).id ?? '';
    for (let k = 1; k <= 100; k++) await say('archive', `line 99, edit ${k}`, { type: 'edit', eventId: line99 });
    for (let i = 100; i < 300; i++) await say('archive', `line ${i}`);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  // A refusal of `Erin_` (too like `erin`) stayed on screen under `frank`; a failed sign-in's error
  // stayed under a corrected password.
  it('clears the server’s refusal once the name or password it was about is changed', { timeout: 60_000 }, async () => {
    await post('/auth/register', { username: 'erin', password: BROWSER_PASSWORD }, null);
    await page.goto(server.url);
    await page.getByRole('button', { name: 'New here? Register' }).click();
    await page.getByLabel('Username').fill('Erin_');
    await page.getByLabel('Password').fill(BROWSER_PASSWORD);
    await page.getByRole('button', { name: 'Register' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'too like' });
    await refusal.waitFor();
    await page.getByLabel('Username').fill('frank');
    await refusal.waitFor({ state: 'detached' });
    expect(await page.getByRole('alert').count()).toBe(0);

    await page.getByRole('button', { name: 'Have an account? Sign in' }).click();
    await page.getByLabel('Username').fill('erin');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const failed = page.getByRole('alert');
    await failed.waitFor();
    await page.getByLabel('Password').fill(BROWSER_PASSWORD);
    await failed.waitFor({ state: 'detached' });
  });

  // Scrolling up stopped after one page (about 100 messages): the timeline asked again only when its
  // first row changed, and the first row was the "Today" divider, which never does.
  it('scrolls back through 300 of today’s messages to the first, past a page of only edits and a failed load', { timeout: 180_000 }, async () => {
    await registerInPage(page, server.url, 'reader');
    const pages: string[] = [];
    page.on('request', (r) => {
      if (/\/rooms\/[^/]+\/messages\?/.test(r.url())) pages.push(new URL(r.url()).search);
    });
    await page.goto(`${server.url}/rooms/archive`);
    await page.getByRole('button', { name: 'Join #archive' }).click();
    const timeline = page.getByRole('list', { name: 'Messages' });
    /** One turn of the wheel up over the timeline, and two frames for the page to answer it. */
    const wheelUp = async () => {
      await page.mouse.wheel(0, -2000);
      await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    };
    await messageRow(page, 'line 299').waitFor();
    const box = await timeline.boundingBox();
    await page.mouse.move((box?.x ?? 0) + (box?.width ?? 0) / 2, (box?.y ?? 0) + (box?.height ?? 0) / 2);

    // The next page fails: the failure is said (and stays while the user does nothing), and the next
    // scroll up asks again.
    let aborted = false;
    await page.route(
      /\/messages\?before=/,
      async (route) => {
        aborted = true;
        await route.abort();
      },
      { times: 1 },
    );
    for (let i = 0; i < 200 && !aborted; i++) await wheelUp();
    const failure = page.getByRole('alert').filter({ hasText: 'Could not load older messages' });
    await failure.waitFor();

    const first = messageRow(page, 'line 0');
    const hint = page.getByText('Scroll up for older messages');
    for (let i = 0; i < 1000 && (await first.count()) === 0; i++) {
      await wheelUp();
      if (i % 50 === 49) await timeline.press('Home');
    }
    await first.waitFor();
    // The whole room is loaded: no more hint or error, and each page was asked for once.
    await hint.waitFor({ state: 'detached' });
    expect(await failure.count()).toBe(0);
    const older = pages.filter((p) => p.includes('before='));
    expect(older.length).toBeGreaterThanOrEqual(7);
    // Pages asked for more than once are only the one that failed.
    expect(older.length - new Set(older).size).toBeLessThanOrEqual(1);
  });

  // Opening another room and coming back emptied the message box.
  it('keeps what was typed in each room’s message box while moving between rooms, until it is sent', { timeout: 60_000 }, async () => {
    await page.goto(`${server.url}/rooms/second`);
    await page.getByRole('button', { name: 'Join #second' }).click();
    const rooms = page.getByRole('navigation', { name: 'Rooms' });
    const archiveBox = page.getByRole('textbox', { name: 'Message #archive' });
    const secondBox = page.getByRole('textbox', { name: 'Message #second' });
    await secondBox.fill('a draft for second');
    await rooms.getByRole('link', { name: /#archive/ }).click();
    await archiveBox.fill('half a thought');
    await rooms.getByRole('link', { name: /#second/ }).click();
    expect(await secondBox.inputValue()).toBe('a draft for second');
    await rooms.getByRole('link', { name: /#archive/ }).click();
    expect(await archiveBox.inputValue()).toBe('half a thought');

    // Sending clears that room's draft, and only that room's.
    await archiveBox.press('Enter');
    await messageRow(page, 'half a thought').waitFor();
    await rooms.getByRole('link', { name: /#second/ }).click();
    expect(await secondBox.inputValue()).toBe('a draft for second');
    await rooms.getByRole('link', { name: /#archive/ }).click();
    expect(await archiveBox.inputValue()).toBe('');
  });

  // Removed from a room with text in its message box: the text went with the room, unseen again.
  it('keeps what was typed in a room one is removed from on screen to copy, and sends it nowhere', { timeout: 60_000 }, async () => {
    const rooms = page.getByRole('navigation', { name: 'Rooms' });
    await rooms.getByRole('link', { name: /#second/ }).click();
    await page.getByRole('textbox', { name: 'Message #second' }).fill('words meant only for second');
    await post('/rooms/second/kick', { username: 'reader' });
    await page.getByText('You were removed from #second by writer.').waitFor();
    const kept = page.getByRole('region', { name: 'Unsent text' });
    await kept.waitFor();
    expect(await kept.getByText('What you typed in #second was not sent:').count()).toBe(1);
    expect(await kept.getByRole('textbox').inputValue()).toBe('words meant only for second');
    expect(await kept.getByRole('button', { name: 'Copy unsent text' }).count()).toBe(1);
    // Not put in another room's message box, where Enter would send it to other people; not sent.
    await rooms.getByRole('link', { name: /#archive/ }).click();
    expect(await page.getByRole('textbox', { name: 'Message #archive' }).inputValue()).toBe('');
    const stored = await (await fetch(`${server.url}/api/v1/rooms/second/messages?limit=50`, { headers: { authorization: `Bearer ${token}` } })).text();
    expect(stored).not.toContain('words meant only for second');
    await kept.getByRole('button', { name: 'Dismiss unsent text' }).click();
    await kept.waitFor({ state: 'detached' });
  });
});
