import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveHarness } from '../../../test/support/browser-harness.js';
import type { HarnessPage } from '../../../test/support/browser-harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface HarnessWindow {
  searchIndexHarness: {
    editsAndDeletes(userId: string): Promise<Record<string, string[]>>;
    earlierVersion(userId: string, version?: 1 | 2 | 4): Promise<{ indexedSeq: number; size: number; found: string[] }>;
  };
}

describe.runIf(existsSync(CHROMIUM))('IndexedDbSearchIndex in Chromium', () => {
  let harness: HarnessPage;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    harness = await serveHarness(join(import.meta.dirname, 'indexeddb-search-index.harness.ts'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage();
    await page.goto(harness.url);
    await page.waitForFunction(() => 'searchIndexHarness' in window);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  it('keeps edits and deletes in IndexedDB: after a reload an edited-away word and a deleted message are not found', async () => {
    const found = await page.evaluate((id) => (window as unknown as HarnessWindow).searchIndexHarness.editsAndDeletes(id), 'user-edits');
    expect(found).toEqual({ banana: [], mango: ['m1'], harbour: [], shred: [], blueprint: ['m3'], papaya: [], pineapple: ['m7'] });
  });

  it('drops what an earlier version stored (edits as messages, deleted text) so the index is built again', async () => {
    const result = await page.evaluate((id) => (window as unknown as HarnessWindow).searchIndexHarness.earlierVersion(id), 'user-earlier');
    expect(result).toEqual({ indexedSeq: 0, size: 0, found: [] });
  });

  // Version 2 had recorded rooms as read past the messages whose keys were missing (before the device
  // or the user's joining): kept, they would never be found once the keys came.
  it('drops what version 2 stored (rooms read past messages it never kept) so the index is built again', async () => {
    const result = await page.evaluate((id) => (window as unknown as HarnessWindow).searchIndexHarness.earlierVersion(id, 2), 'user-version-2');
    expect(result).toEqual({ indexedSeq: 0, size: 0, found: [] });
  });

  // Version 4 held English stems by Porter's 1980 algorithm (`~secretli` for "secretly"): a query's
  // Porter2 stems would not find them, so its records are dropped and the index is built again.
  it('drops what version 4 stored (English stems of another stemmer) so the index is built again', async () => {
    const result = await page.evaluate((id) => (window as unknown as HarnessWindow).searchIndexHarness.earlierVersion(id, 4), 'user-version-4');
    expect(result).toEqual({ indexedSeq: 0, size: 0, found: [] });
  });
});
