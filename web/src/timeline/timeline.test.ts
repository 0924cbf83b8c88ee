import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { serveHarness } from '../../../test/support/browser-harness.js';
import type { HarnessPage } from '../../../test/support/browser-harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const COUNT = 10_000;

interface HarnessWindow {
  timelineHarness: {
    render(count: number, open?: { newAfterSeq?: number | null; loaded?: boolean }): Promise<number>;
    load(): Promise<void>;
    bottom(): boolean[];
    around(above: number, below: number): Promise<void>;
    append(text: string): Promise<void>;
    search(query: string): string | null;
    jump(eventId: string): Promise<void>;
  };
}

/** The messages drawn in the page and whether each is inside the scrolling box's visible area. */
function drawn(page: Page): Promise<{ key: string; text: string; visible: boolean }[]> {
  return page.evaluate(() => {
    const box = document.querySelector('.timeline') as HTMLElement;
    const view = box.getBoundingClientRect();
    return [...box.querySelectorAll<HTMLElement>('[role=listitem]')].map((li) => {
      const r = li.getBoundingClientRect();
      return { key: li.dataset.key ?? '', text: li.textContent ?? '', visible: r.bottom > view.top && r.top < view.bottom };
    });
  });
}

describe.runIf(haveChromium)('the web timeline with 10,000 messages in Chromium', () => {
  let harness: HarnessPage;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    harness = await serveHarness(join(import.meta.dirname, 'timeline.harness.tsx'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    page.on('pageerror', (e) => console.error('PAGEERROR', e.message));
    await page.goto(harness.url);
    await page.waitForFunction(() => 'timelineHarness' in window);
    await page.evaluate((n) => (window as unknown as HarnessWindow).timelineHarness.render(n), COUNT);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  it('draws only the rows in view, and opens at the newest message', async () => {
    const rows = await drawn(page);
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(100);
    expect(rows.find((r) => r.text.includes(`#${COUNT} `))?.visible).toBe(true);
    // Every message is a row of the list (with a separator row for each day), though only a few are drawn.
    expect(Number(await page.locator('.timeline').getAttribute('data-count'))).toBeGreaterThan(COUNT);
  });

  it('follows the bottom when a message arrives while it is shown', async () => {
    await page.evaluate(() => (window as unknown as HarnessWindow).timelineHarness.append('a live one'));
    await expect.poll(async () => (await drawn(page)).find((r) => r.text.includes('a live one'))?.visible).toBe(true);
  });

  it('scrolls to the very first message through rows of varied heights', async () => {
    // Dragged through the history like a user would with the scroll bar, then to the top: rows get measured on the way.
    await page.evaluate(async () => {
      const box = document.querySelector('.timeline') as HTMLElement;
      const frame = () => new Promise((r) => requestAnimationFrame(r));
      for (let i = 20; i >= 0; i--) {
        box.scrollTop = (box.scrollHeight * i) / 20;
        // A user's next move comes after the page has drawn this one (and measured the rows it brought in).
        await frame();
        await frame();
      }
      // At the top: rows measured above the view on the way may have moved it by their real heights.
      for (let i = 0; i < 20 && box.scrollTop > 0; i++) {
        box.scrollTop = 0;
        await frame();
        await frame();
      }
    });
    await expect.poll(async () => (await drawn(page)).find((r) => r.text.includes('#1 '))?.visible).toBe(true);
    const rows = await drawn(page);
    expect(rows.length).toBeLessThan(100);
    // Rows never overlap: each starts where the one before it ends (heights measured, not guessed).
    const tops = await page.evaluate(() => [...document.querySelectorAll('.timeline [role=listitem]')].map((li) => { const r = li.getBoundingClientRect(); return [r.top, r.bottom]; }));
    for (let i = 1; i < tops.length; i++) expect(Math.abs((tops[i] as number[])[0]! - (tops[i - 1] as number[])[1]!)).toBeLessThan(1);
  });

  it('jumps to a message found by search and marks it', async () => {
    const id = await page.evaluate(() => (window as unknown as HarnessWindow).timelineHarness.search('"second line of #4207"'));
    expect(id).not.toBeNull();
    await page.evaluate((eventId) => (window as unknown as HarnessWindow).timelineHarness.jump(eventId as string), id);
    const target = (await drawn(page)).find((r) => r.key === id);
    expect(target?.visible).toBe(true);
    expect(target?.text).toContain('second line of #4207');
    expect(await page.locator(`[data-key="${id}"]`).getAttribute('class')).toContain('jumped');
  });

  it('follows the bottom again once the user scrolls back down after a jump', async () => {
    await page.evaluate(async () => {
      const box = document.querySelector('.timeline') as HTMLElement;
      for (let i = 0; i < 20 && box.scrollHeight - box.scrollTop - box.clientHeight > 1; i++) {
        box.scrollTop = box.scrollHeight;
        await new Promise((r) => requestAnimationFrame(r));
        await new Promise((r) => requestAnimationFrame(r));
      }
    });
    await page.evaluate(() => (window as unknown as HarnessWindow).timelineHarness.append('after the jump'));
    await expect.poll(async () => (await drawn(page)).find((r) => r.text.includes('after the jump'))?.visible).toBe(true);
  });
});

/** Where the list is: its distance from its bottom (px), and whether the "New messages" line and the row saying `newest` are inside its box. */
interface Where {
  readonly gap: number;
  readonly lineIn: boolean | null;
  readonly newestIn: boolean;
}

function where(page: Page, newest: string): Promise<Where> {
  return page.evaluate((text) => {
    const box = document.querySelector('.timeline') as HTMLElement;
    const view = box.getBoundingClientRect();
    const inside = (el: Element | undefined | null) => {
      const r = el?.getBoundingClientRect();
      return r !== undefined && r.height > 0 && r.top >= view.top - 1 && r.bottom <= view.bottom + 1;
    };
    const line = box.querySelector('[role=separator][aria-label="New messages"]');
    const row = [...box.querySelectorAll('[role=listitem]')].find((li) => li.textContent?.includes(text));
    return { gap: box.scrollHeight - box.scrollTop - box.clientHeight, lineIn: line ? inside(line) : null, newestIn: inside(row) };
  }, newest);
}

// Opening a room: at the "New messages" line when the unread do not fit below it, at the newest
// otherwise, and what comes after the opening (messages arriving live) is followed while the newest
// is in view. The page reads the room only while the timeline says the newest is in view.
describe.runIf(haveChromium)('the web timeline opening a room in Chromium', () => {
  let harness: HarnessPage;
  let browser: Browser;
  let page: Page;
  type Harness = HarnessWindow['timelineHarness'];
  /** Calls the harness's `name` in the page with `args`. */
  const call = <K extends keyof Harness>(name: K, ...args: Parameters<Harness[K]>): Promise<Awaited<ReturnType<Harness[K]>>> =>
    page.evaluate(([n, a]) => ((window as unknown as HarnessWindow).timelineHarness[n] as (...x: unknown[]) => unknown)(...a), [name, args] as const) as Promise<Awaited<ReturnType<Harness[K]>>>;
  let last: Where | null = null;
  /** Polls every frame until `ok` holds of {@link where} (the test's timeout bounds it; the last one seen is told on failure). */
  const until = async (newest: string, ok: (w: Where) => boolean): Promise<Where> => {
    for (;;) {
      last = await where(page, newest);
      if (ok(last)) return last;
      await page.evaluate(() => new Promise((done) => requestAnimationFrame(done)));
    }
  };
  /** Messages arriving one by one as live ones do, each followed (while the newest is in view) before the next. */
  const arrive = async (n: number, prefix: string) => {
    for (let i = 1; i <= n; i++) {
      await call('append', `${prefix} ${i} `);
      await until(`${prefix} ${i} `, (w) => w.newestIn && w.gap < 2);
    }
  };

  beforeAll(async () => {
    harness = await serveHarness(join(import.meta.dirname, 'timeline.harness.tsx'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    page.on('pageerror', (e) => console.error('PAGEERROR', e.message));
    await page.goto(harness.url);
    await page.waitForFunction(() => 'timelineHarness' in window);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  beforeEach(() => {
    last = null;
    onTestFailed(() => console.error('last seen:', JSON.stringify(last)));
  });

  it('opens at the "New messages" line when the unread do not fit below it, and never says the newest is in view', async () => {
    await call('render', 200, { newAfterSeq: 100 });
    await until('#200 ', (w) => w.lineIn === true);
    expect(last?.newestIn).toBe(false);
    // A message arriving below unread ones still out of view does not move the view.
    await call('append', 'live below the fold ');
    const seen = await until('live below the fold ', (w) => w.lineIn === true);
    expect(seen.newestIn).toBe(false);
    expect(await call('bottom')).not.toContain(true);
  });

  it('opens at the newest with a few unread, the line in view, and follows messages arriving live', async () => {
    await call('render', 200, { newAfterSeq: 197 });
    await until('#200 ', (w) => w.lineIn === true && w.newestIn && w.gap < 2);
    expect((await call('bottom')).at(-1)).toBe(true);
    await arrive(60, 'live');
  });

  it('follows messages arriving live in a room opened empty, the line above the first', async () => {
    await call('render', 0, { newAfterSeq: 0 });
    expect(await call('bottom')).toEqual([true]);
    await call('append', 'the first ');
    await until('the first ', (w) => w.lineIn === true && w.newestIn && w.gap < 2);
    await arrive(60, 'live');
  });

  // The browser keeps a box's scroll offset when the box changes height, and no scroll event comes:
  // a banner above (the page's "not verified") or a taller message box below would hide the newest.
  it('stays at the newest while a banner comes and goes above it and the message box grows below it; only a scroll up leaves', async () => {
    await call('render', 300);
    const newest = (w: Where) => w.newestIn && w.gap < 2;
    await until('#300 ', newest);
    for (const [above, below] of [[120, 0], [120, 150], [0, 150], [0, 0]] as const) {
      await call('around', above, below);
      await until('#300 ', newest);
    }
    // The user scrolls up: from then on neither a banner nor a new message brings the view down.
    await page.locator('.timeline').hover();
    await page.mouse.wheel(0, -600);
    await until('#300 ', (w) => w.gap > 200);
    await call('around', 120, 150);
    await call('append', 'while reading back ');
    expect((await where(page, 'while reading back ')).gap).toBeGreaterThan(200);
    expect((await call('bottom')).at(-1)).toBe(false);
  });

  it('opens with the first page, not with the rows that came before it', async () => {
    await call('render', 200, { newAfterSeq: 100, loaded: false });
    // Nothing is in view before the first page: nothing is read.
    expect(await call('bottom')).toEqual([]);
    await call('load');
    await until('#200 ', (w) => w.lineIn === true);
    expect(last?.newestIn).toBe(false);
  });
});
