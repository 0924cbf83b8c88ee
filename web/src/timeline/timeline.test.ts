import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveHarness } from '../../../test/support/browser-harness.js';
import type { HarnessPage } from '../../../test/support/browser-harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const COUNT = 10_000;

interface HarnessWindow {
  timelineHarness: {
    render(count: number): Promise<number>;
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
