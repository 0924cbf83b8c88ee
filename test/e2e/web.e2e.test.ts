import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/binaries.js';
import { chat, eventually, startServer, tempDir, userEnv } from '../support/binaries.js';

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
  await page.getByRole('link', { name: 'Settings' }).waitFor();
  // A new account's recovery key is shown once (over the page on a phone) until it is put away.
  await page.getByRole('button', { name: 'I have written it down' }).click();
}

/** From the directory: joins the open room `name`. */
async function joinRoom(page: Page, name: string): Promise<void> {
  await page.getByRole('link', { name: 'chat', exact: true }).click();
  await page.getByLabel('Find a room').fill(name);
  await page.getByRole('region', { name: 'Open rooms' }).getByRole('button', { name: `Join #${name}` }).click();
  await page.getByRole('heading', { name: `#${name}` }).waitFor();
}

/** From the directory: creates the room `name`, open or private, through the create dialog. */
async function createRoom(page: Page, name: string, visibility: 'open' | 'private' = 'open'): Promise<void> {
  await page.getByRole('link', { name: 'chat', exact: true }).click();
  await page.getByLabel('Find a room').fill(name);
  await page.getByRole('button', { name: `Create #${name}?` }).click();
  const dialog = page.getByRole('dialog', { name: 'Create a room' });
  if (visibility === 'private') await dialog.getByRole('radio', { name: /Private/ }).check();
  await dialog.getByRole('button', { name: /^Create / }).click();
  await page.getByRole('heading', { name: visibility === 'private' ? `🔒 ${name}` : `#${name}` }).waitFor();
}

describe.runIf(haveChromium)('the web client in headless Chromium', () => {
  let server: ServerProcess;
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    dir = await tempDir('web');
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
    await createRoom(alice, 'lobby');

    await register(bob, server.url, 'bob');
    await joinRoom(bob, 'lobby');

    // Alice types: Bob sees her typing, then the message when she presses Enter.
    // Bob's page shows the room before its socket has subscribed to it, and a typing notice is not
    // stored: so Alice keeps typing (as a person would) until Bob's page says so.
    const aliceBox = alice.getByLabel('Message #lobby');
    const typing = bob.getByText('alice is typing…');
    for (let i = 0; i < 30 && !(await typing.isVisible()); i++) {
      await aliceBox.fill(i % 2 === 0 ? 'hello bob' : 'hello bob ');
      await typing.waitFor({ timeout: 1_000 }).catch(() => undefined);
    }
    await typing.waitFor();
    await aliceBox.fill('hello bob');
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

    await alice.getByRole('link', { name: 'Settings' }).click();
    await alice.getByLabel('Light').check();
    await alice.goBack();
    await alice.reload();
    await alice.getByRole('heading', { name: '#lobby' }).waitFor();
    expect(await alice.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await alice.getByRole('list', { name: 'Messages' }).getByText('hi alice, from my phone').waitFor();

    // Bob in another room sees #lobby's unread count rise, in the drawer his phone keeps the rooms in.
    await createRoom(bob, 'elsewhere');
    await alice.getByLabel('Message #lobby').fill('are you there?');
    await alice.getByLabel('Message #lobby').press('Enter');
    await bob.getByRole('button', { name: 'Rooms (1 unread)' }).click();
    await bob.getByRole('navigation', { name: 'Rooms' }).getByLabel('1 unread').waitFor();
    await bob.keyboard.press('Escape');

    await alice.screenshot({ path: join(SHOTS, 'web-1280x800.png') });
    await bob.screenshot({ path: join(SHOTS, 'web-375x812.png') });

    // Presence follows Bob live: online while his page is open, offline once he closes it.
    await alice.getByRole('button', { name: 'Members' }).click();
    const bobEntry = alice.getByRole('list', { name: 'Members' }).getByRole('listitem').filter({ hasText: 'bob' });
    await bobEntry.getByLabel('online').waitFor();
    await bob.context().close();
    await bobEntry.getByLabel('offline').waitFor();
    expect(errors).toEqual([]);
  }, 60_000);

  it('joins a private room by opening its invite link, chats end to end with keys no script can export, and compares safety numbers', async () => {
    const alice = await (await browser.newContext()).newPage();
    await register(alice, server.url, 'carol');
    await createRoom(alice, 'vault', 'private');
    await alice.getByRole('button', { name: 'Invite' }).click();
    const invite = alice.getByRole('dialog', { name: 'Invite link' });
    const link = /http:\/\/\S+\/invite\/[\w-]+/.exec((await invite.locator('code').textContent()) ?? '')?.[0];
    expect(link).toBeDefined();
    await invite.getByRole('button', { name: 'Copy invite link' }).waitFor();
    await alice.keyboard.press('Escape');

    const dave = await (await browser.newContext()).newPage();
    await dave.goto(link as string);
    await dave.getByText('Sign in or register to join the room you were invited to.').waitFor();
    await dave.getByRole('button', { name: 'New here? Register' }).click();
    await dave.getByLabel('Username').fill('dave');
    await dave.getByLabel('Password').fill(PASSWORD);
    await dave.getByRole('button', { name: 'Register' }).click();
    await dave.getByText('You joined #vault.').waitFor();
    expect(new URL(dave.url()).pathname).toBe('/rooms/vault');
    await dave.getByRole('heading', { name: '🔒 vault' }).waitFor();

    // Encrypted both ways between the two browsers.
    await alice.getByLabel('Message 🔒vault').fill('for your eyes only');
    await alice.getByLabel('Message 🔒vault').press('Enter');
    await dave.getByRole('list', { name: 'Messages' }).getByText('for your eyes only').waitFor();
    await dave.getByLabel('Message 🔒vault').fill('received, sealed');
    await dave.getByLabel('Message 🔒vault').press('Enter');
    await alice.getByRole('list', { name: 'Messages' }).getByText('received, sealed').waitFor();

    // The keys in IndexedDB (the device's, the records' sealing key, the sending chain's) are CryptoKeys
    // that cannot be exported, and no record holds a message in the clear.
    const { extractable, clear } = await dave.evaluate(async () => {
      const name = (await indexedDB.databases()).map((d) => d.name).find((n) => n?.startsWith('chat-e2e-'));
      const db = await new Promise<IDBDatabase>((resolve) => {
        const q = indexedDB.open(name as string);
        q.onsuccess = () => resolve(q.result);
      });
      const all = (store: string) =>
        new Promise<unknown[]>((resolve) => {
          const q = db.transaction(store).objectStore(store).getAll();
          q.onsuccess = () => resolve(q.result as unknown[]);
        });
      const found: boolean[] = [];
      let clear = false;
      const walk = (o: unknown): void => {
        if (o instanceof CryptoKey) found.push(o.type === 'public' ? false : o.extractable);
        else if (o instanceof ArrayBuffer) clear ||= new TextDecoder().decode(o).includes('received, sealed');
        else if (typeof o === 'string') clear ||= o.includes('received, sealed');
        else if (o && typeof o === 'object') Object.values(o).forEach(walk);
      };
      for (const store of ['device', 'sealing', 'records']) walk(await all(store));
      return { extractable: found, clear };
    });
    expect(clear).toBe(false);
    expect(extractable.length).toBeGreaterThanOrEqual(5);
    expect(extractable.every((e) => e === false)).toBe(true);

    // Both see the same safety number; Carol marks Dave verified.
    const safetyOf = async (page: Page, other: string) => {
      await page.getByRole('button', { name: 'Members' }).click();
      await page.getByRole('list', { name: 'Members' }).getByRole('listitem').filter({ hasText: other }).getByRole('button', { name: 'Safety number' }).click();
      return page.getByRole('dialog', { name: `Safety number with ${other}` }).getByLabel('Safety number', { exact: true }).textContent();
    };
    const carolSees = await safetyOf(alice, 'dave');
    expect(carolSees).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect(await safetyOf(dave, 'carol')).toBe(carolSees);
    await dave.keyboard.press('Escape');
    await alice.getByRole('button', { name: 'Mark verified' }).click();
    await alice.getByText('dave verified.').waitFor();
    await alice.keyboard.press('Escape');

    // A direct message: named after the other person on both sides, end to end like any private room.
    await alice.getByLabel('Message someone directly').fill('dave');
    await alice.getByRole('button', { name: 'Open direct messages' }).click();
    await alice.getByRole('heading', { name: '@dave' }).waitFor();
    await alice.getByLabel('Message @dave').fill('psst, just us');
    await alice.getByLabel('Message @dave').press('Enter');
    await dave.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: /@carol/ }).click();
    await dave.getByRole('list', { name: 'Messages' }).getByText('psst, just us').waitFor();
  }, 60_000);
});

describe.runIf(haveChromium)('the web client with a long history', () => {
  let server: ServerProcess;
  let browser: Browser;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = join(await tempDir('web-history'), 'data');
    server = await startServer({ dataDir });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const post = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(`${server.url}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
    return (await res.json()) as { tokens: { accessToken: string } };
  };
  /**
   * Someone else (`writer`) writes 80 messages, `line 0` to `line 79`, into the open room `room` over the
   * REST API; then `reader` registers in a new browser context, joins it, and sees the newest.
   */
  const openHistory = async (writer: string, room: string, reader: string) => {
    const { tokens } = await post('/auth/register', { username: writer, password: PASSWORD });
    await post('/rooms', { name: room }, tokens.accessToken);
    for (let i = 0; i < 80; i++) await post(`/rooms/${room}/messages`, { clientMsgId: crypto.randomUUID(), body: `line ${i}` }, tokens.accessToken);
    const page = await (await browser.newContext()).newPage();
    await register(page, server.url, reader);
    await joinRoom(page, room);
    const timeline = page.getByRole('list', { name: 'Messages' });
    await timeline.getByText('line 79').waitFor();
    return { tokens, page, timeline };
  };

  it('keeps a scroll to the top that comes while the older messages are being drawn', async () => {
    const { timeline } = await openHistory('scribe', 'ledger', 'skimmer');
    // The reader scrolls to the top; the older page comes, and the list keeps line 31 where it was
    // (moving the view down). Right then, before the rows it drew are measured, the reader scrolls to
    // the top again: the view stays there. Before, the library's height corrections were written from
    // the offset it had last read, which put the view back down the list, away from line 0.
    const seen = await timeline.evaluate(async (el) => {
      const before = el.getAttribute('data-count');
      const scrolledAgain = new Promise<void>((resolve) => {
        el.addEventListener('scroll', function again() {
          if (el.getAttribute('data-count') === before || el.scrollTop === 0) return;
          el.removeEventListener('scroll', again);
          queueMicrotask(() => {
            el.scrollTo({ top: 0 });
            resolve();
          });
        });
      });
      el.scrollTo({ top: 0 });
      await scrolledAgain;
      const tops: number[] = [];
      for (let i = 0; i < 20; i++) {
        await new Promise((r) => requestAnimationFrame(r));
        tops.push(el.scrollTop);
      }
      return { tops, lineZero: Array.from(el.querySelectorAll('[role="listitem"]')).some((row) => row.textContent?.includes('line 0')) };
    });
    expect(seen.tops.filter((top) => top > 0)).toEqual([]);
    expect(seen.lineZero).toBe(true);
    await timeline.getByText('line 0', { exact: true }).waitFor();
  }, 60_000);

  it('keeps what is at the top of the view when the reader scrolled just before the older messages came', async () => {
    const { timeline } = await openHistory('annalist', 'chronicle', 'browser');
    // The reader scrolls to the top, which asks for the older page; as it comes back (before the rows
    // are drawn, and before the scroll event of this move), the reader has scrolled 60 px down. Once the
    // rows are drawn above, the row at the top of the view is the one the reader had there.
    const seen = await timeline.evaluate(async (el) => {
      const rowAtTop = () => {
        const box = el.getBoundingClientRect();
        return document.elementFromPoint(box.left + 40, box.top + 2)?.closest('[role="listitem"]')?.textContent ?? '';
      };
      const realFetch = window.fetch;
      let before = '';
      const came = new Promise<void>((resolve) => {
        window.fetch = async (input, init) => {
          const res = await realFetch(input, init);
          if (String(input instanceof Request ? input.url : input).includes('before=')) {
            el.scrollTop = 60;
            before = rowAtTop();
            resolve();
          }
          return res;
        };
      });
      el.scrollTo({ top: 0 });
      await came;
      window.fetch = realFetch;
      for (let i = 0; i < 20; i++) await new Promise((r) => requestAnimationFrame(r));
      return { before, after: rowAtTop(), count: el.getAttribute('data-count') };
    });
    expect(seen.count).not.toBe('51');
    expect(seen.before).toContain('line');
    expect(seen.after).toBe(seen.before);
  }, 60_000);

  // On a slower network the reader has stopped scrolling when the page comes (the library then measures
  // the rows it draws at once, above the anchor): the view moved by the rows' difference from their estimate.
  it('keeps what is at the top of the view when the older messages come after the reader stopped scrolling', async () => {
    const { page, timeline } = await openHistory('archivist', 'records', 'idler');
    await page.route(/before=/, async (route) => {
      await new Promise((r) => setTimeout(r, 700));
      await route.continue();
    }, { times: 1 });
    const seen = await timeline.evaluate(async (el) => {
      const rowAtTop = () => {
        const box = el.getBoundingClientRect();
        return document.elementFromPoint(box.left + 40, box.top + 2)?.closest('[role="listitem"]')?.textContent ?? '';
      };
      const frames = (n: number) => new Promise<void>((resolve) => {
        const step = (left: number) => (left === 0 ? resolve() : requestAnimationFrame(() => step(left - 1)));
        step(n);
      });
      const count = el.getAttribute('data-count');
      el.scrollTo({ top: 60 });
      await new Promise((r) => setTimeout(r, 400));
      const before = rowAtTop();
      for (let i = 0; i < 200 && el.getAttribute('data-count') === count; i++) await frames(1);
      await frames(30);
      return { before, after: rowAtTop(), grew: el.getAttribute('data-count') !== count };
    });
    expect(seen.grew).toBe(true);
    expect(seen.before).toContain('line');
    expect(seen.after).toBe(seen.before);
  }, 60_000);

  it('loads older messages when the timeline is scrolled to the top, and shows a banner while the server is away', async () => {
    // 80 messages written over the REST API by someone else, before the browser opens the room.
    const { tokens, page, timeline } = await openHistory('writer', 'archive', 'reader');
    expect(await timeline.getByText('line 0', { exact: true }).count()).toBe(0);
    // While the older page is on its way (held back here), the line above the list says so.
    await page.route(/before=/, async (route) => {
      await new Promise((r) => setTimeout(r, 1_500));
      await route.continue();
    }, { times: 1 });
    await timeline.evaluate((el) => el.scrollTo({ top: 0 }));
    await page.getByRole('status').filter({ hasText: 'Loading older messages…' }).waitFor();
    // Older rows arrive above what is on screen, which stays put: the reader scrolls up again to see them.
    const first = timeline.getByText('line 0', { exact: true });
    // Until line 0 is in view, however long the page of older messages takes on a busy machine (a count of
    // tries ran out before a slow page arrived). In view, not only in the page: the rows drawn for the top
    // as the older page came were briefly in the page before the view moved down with what it showed,
    // and a test that stopped at that saw them go.
    const deadline = Date.now() + 25_000;
    for (let inView = false; !inView && Date.now() < deadline; ) {
      inView = await timeline.evaluate(async (el) => {
        el.scrollTo({ top: 0 });
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        const box = el.getBoundingClientRect();
        return Array.from(el.querySelectorAll('[role="listitem"]')).some((row) => {
          const r = row.getBoundingClientRect();
          return (row.textContent ?? '').includes('line 0↩') && r.bottom > box.top && r.top < box.bottom;
        });
      });
      if (!inView) await page.waitForTimeout(50);
    }
    await first.waitFor();

    // The server goes away: a banner says so; it comes back: the banner goes and the page is live again.
    const port = server.port;
    await server.stop();
    await page.getByText('Connection lost — reconnecting…').waitFor();
    server = await startServer({ dataDir, port });
    await page.getByText('Connection lost — reconnecting…').waitFor({ state: 'detached', timeout: 30_000 });
    // Back at the bottom (the timeline draws only the rows in view, and does not pull a reader of old
    // messages down when a new one arrives), the new message shows as it comes.
    await timeline.evaluate(async (el) => {
      for (let i = 0; i < 20 && el.scrollHeight - el.scrollTop - el.clientHeight > 1; i++) {
        el.scrollTo({ top: el.scrollHeight });
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      }
    });
    await post('/rooms/archive/messages', { clientMsgId: crypto.randomUUID(), body: 'after the restart' }, tokens.accessToken);
    await timeline.getByText('after the restart').waitFor();
  }, 90_000);
});

describe.runIf(haveChromium)('the web client and the chat CLI in one private room', () => {
  let server: ServerProcess;
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    dir = await tempDir('web-cli');
    server = await startServer({ dataDir: join(dir, 'data') });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('decrypts in the browser what the CLI sends, and in the CLI what the browser sends', async () => {
    const alice = userEnv(join(dir, 'alice'), server.url);
    expect((await chat(alice, ['register', 'alice', '--password-stdin'], `${PASSWORD}\n`)).code).toBe(0);
    expect((await chat(alice, ['create', 'secret', '--private'])).code).toBe(0);
    const { url } = JSON.parse((await chat(alice, ['--json', 'invite', 'secret'])).stdout) as { url: string };

    // Bob opens the link in his browser and registers; his browser becomes a device with its own keys.
    const bob = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    bob.on('pageerror', (e) => errors.push(e.message));
    await register(bob, url, 'bob');
    await bob.getByText('You joined #secret.').waitFor();
    // Alice's CLI sees Bob's published device before she writes.
    await eventually(async () => ((await chat(alice, ['--json', 'verify', 'bob'])).code === 0 ? true : undefined), "Bob's device in the key directory", 20_000);

    expect((await chat(alice, ['send', 'secret', 'from the terminal, encrypted'])).code).toBe(0);
    const messages = bob.getByRole('list', { name: 'Messages' });
    await messages.getByText('from the terminal, encrypted').waitFor();

    await bob.getByLabel('Message 🔒secret').fill('from the browser, encrypted too');
    await bob.getByLabel('Message 🔒secret').press('Enter');
    await eventually(async () => ((await chat(alice, ['read', 'secret'])).stdout.includes('bob: from the browser, encrypted too') ? true : undefined), 'the CLI to decrypt the reply', 20_000);
    expect(errors).toEqual([]);
  }, 90_000);
});

describe.runIf(!haveChromium)('the web client in headless Chromium', () => {
  it('needs chromium; .ci/run installs it', () => {
    expect(haveChromium).toBe(false);
  });
});
