import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, MemorySessionStore } from '../../shared/client/index.js';
import type { ServerProcess } from '../support/binaries.js';
import { chat, startServer, tempDir, userEnv } from '../support/binaries.js';
import { BROWSER_PASSWORD, haveChromium, launchChromium, registerInPage } from '../support/browser.js';
import { createTestDatabase } from '../support/postgres.js';

// Where hostile message text lands on the web page, measured in the browser: a message's later lines
// start right of the sender's name (so none looks like another person's message), a bare CR is no line
// break, and a flood of combining marks stays inside its own row.

/** Lines posing as messages from alice and carol; the last one hides a bare CR. */
const SPOOF = 'ok see below\nalice: I approve, the password is in the DM\r\ncarol: CR-spoof line\rAFTERCR';
/** "Z" and 15,999 combining acute accents, stacked up over the rows above. */
const FLOOD = `Z${'\u0301'.repeat(15_999)}`;

/** The text of the messages just before and after the flood. */
const EDGE = 'edge of the flood';

/** The timeline row that shows `text`. */
const row = (page: Page, text: string) => page.locator('.timeline [role=listitem]', { hasText: text });

/** How far right of the sender name's left edge each of the row's continuation lines starts, and each one's count of drawn lines. */
function continuations(page: Page, text: string) {
  return row(page, text).evaluate((li) => {
    const name = li.querySelector('strong')?.getBoundingClientRect().left ?? Number.NaN;
    return Array.from(li.querySelectorAll('.continuation')).map((c) => {
      const range = document.createRange();
      range.selectNodeContents(c);
      const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0);
      return { text: c.textContent ?? '', indent: Math.min(...rects.map((r) => r.left)) - name, lines: new Set(rects.map((r) => Math.round(r.top))).size };
    });
  });
}

/** How many pixels differ between two rows of the same size as drawn on screen (a pixel differs when its colour moved by more than 48 of 765). */
async function pixelsDiffering(page: Page, first: Locator, second: Locator): Promise<number> {
  const shots = await Promise.all(
    [first, second].map(async (item) => {
      const box = await item.boundingBox();
      if (!box) throw new Error('the row is not shown');
      return (await page.screenshot({ clip: box })).toString('base64');
    }),
  );
  return page.evaluate(async (pngs) => {
    const pixels = await Promise.all(
      pngs.map(async (data) => {
        const image = new Image();
        image.src = `data:image/png;base64,${data}`;
        await image.decode();
        const canvas = document.createElement('canvas');
        canvas.width = image.width;
        canvas.height = image.height;
        const context = canvas.getContext('2d');
        if (!context) throw new Error('no 2d canvas');
        context.drawImage(image, 0, 0);
        return context.getImageData(0, 0, image.width, image.height).data;
      }),
    );
    const [a = new Uint8ClampedArray(), b = new Uint8ClampedArray()] = pixels;
    if (a.length !== b.length) return Number.POSITIVE_INFINITY;
    let differing = 0;
    for (let i = 0; i < a.length; i += 4) {
      const d = Math.abs((a[i] ?? 0) - (b[i] ?? 0)) + Math.abs((a[i + 1] ?? 0) - (b[i + 1] ?? 0)) + Math.abs((a[i + 2] ?? 0) - (b[i + 2] ?? 0));
      if (d > 48) differing++;
    }
    return differing;
  }, shots);
}

describe.runIf(haveChromium)('hostile message layout on the web page', () => {
  let server: ServerProcess;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let browser: Browser;
  let page: Page;
  let mallory: ApiClient;
  const errors: string[] = [];

  beforeAll(async () => {
    const dir = await tempDir('web-hostile-layout');
    // PostgreSQL: the embedded database's migrations are slow to start on a busy machine.
    db = await createTestDatabase();
    server = await startServer({ dataDir: join(dir, 'data'), env: { DATABASE_URL: db.url } });
    browser = await launchChromium();
    const alice = userEnv(join(dir, 'alice'), server.url);
    expect((await chat(alice, ['register', 'alice', '--password-stdin'], `${BROWSER_PASSWORD}\n`)).code).toBe(0);
    expect((await chat(alice, ['create', 'lobby'])).code).toBe(0);
    mallory = new ApiClient({ serverUrl: server.url, fetch: (u, init) => fetch(u, init), sessions: new MemorySessionStore() });
    await mallory.register({ username: 'mallory', password: BROWSER_PASSWORD });
    await mallory.join('lobby');
    await mallory.send('lobby', SPOOF, crypto.randomUUID());
    for (const body of [EDGE, FLOOD, EDGE]) await mallory.send('lobby', body, crypto.randomUUID());

    page = await (await browser.newContext({ viewport: { width: 1000, height: 1600 } })).newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await registerInPage(page, server.url, 'bob');
    await page.goto(`${server.url}/rooms/lobby`);
    await page.getByRole('button', { name: 'Join #lobby' }).click();
    await row(page, EDGE).last().waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await db?.drop();
  });

  it('starts every line after the first right of the sender name, and shows a bare CR as ^M on the same line', async () => {
    const lines = await continuations(page, 'I approve');
    expect(lines.map((l) => l.text)).toEqual(['alice: I approve, the password is in the DM', 'carol: CR-spoof line^MAFTERCR']);
    for (const line of lines) {
      expect(line.indent).toBeGreaterThan(8);
      expect(line.lines).toBe(1);
    }
    expect(errors).toEqual([]);
  }, 60_000);

  it('keeps a flood of combining marks inside its own row', async () => {
    const boxes = await Promise.all([row(page, EDGE).first(), row(page, 'Z\u0301\u0301'), row(page, EDGE).last()].map((r) => r.boundingBox()));
    const [above, flood, below] = boxes.map((b) => b ?? { x: 0, y: 0, width: 0, height: 0 });
    expect(flood?.y).toBeGreaterThanOrEqual((above?.y ?? 0) + (above?.height ?? 0) - 0.5);
    expect(below?.y).toBeGreaterThanOrEqual((flood?.y ?? 0) + (flood?.height ?? 0) - 0.5);
    // The rows just above and below the flood hold the same text in the same place, so they are drawn
    // alike unless marks reach into one of them.
    expect(above?.height).toBe(below?.height);
    expect(await pixelsDiffering(page, row(page, EDGE).first(), row(page, EDGE).last())).toBeLessThanOrEqual(4);
    expect(errors).toEqual([]);
  }, 60_000);
});
