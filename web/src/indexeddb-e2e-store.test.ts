import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eStoreContract } from '../../shared/client/e2e-store.contract.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const FIXTURE = join(import.meta.dirname, '../../cli/node/testdata/legacy-e2e');

interface HarnessWindow {
  e2eHarness: {
    runCase(name: string): Promise<string | null>;
    migrate(state: string, envelopes: string): Promise<Record<string, unknown>>;
  };
}

describe.runIf(haveChromium)('IndexedDbE2EStore in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const bundle = await build({ entryPoints: [join(import.meta.dirname, 'indexeddb-e2e-store.harness.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false });
    const script = bundle.outputFiles[0]!.text;
    server = createServer((req, res) => {
      if (req.url === '/harness.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/harness.js"></script>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => 'e2eHarness' in window);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  for (const c of e2eStoreContract) {
    it(c.name, async () => {
      expect(await page.evaluate((name) => (window as unknown as HarnessWindow).e2eHarness.runCase(name), c.name)).toBeNull();
    });
  }

  it("moves today's one-record state in on first use, loses nothing, deletes the old record, and forgets all on destroy", async () => {
    const state = await readFile(join(FIXTURE, 'state.json'), 'utf8');
    const envelopes = await readFile(join(FIXTURE, 'bob-envelopes.json'), 'utf8');
    const result = await page.evaluate(([s, e]) => (window as unknown as HarnessWindow).e2eHarness.migrate(s, e), [state, envelopes] as const);
    expect(result).toEqual({
      device: 'dev-alice',
      plaintexts: ['alice says 0', 'alice says 1', 'alice says 2', 'bob says 2'],
      opened: ['bob says 0', 'bob says 1', 'bob says 3'],
      nextCounter: 3,
      given: ['dev-bob'],
      verified: ['bob-signing-key'],
      seen: ['alice-signing-key'],
      plaintextNext: 4,
      firstEvent: null,
      asked: null,
      legacyRowLeft: false,
      again: 'bob says 2',
      afterDestroy: null,
    });
  });

  it('moves in the record of the version that checked replays: copies keep their first event, missing chains when they were asked for', async () => {
    const state = JSON.parse(await readFile(join(FIXTURE, 'state.json'), 'utf8')) as { plaintexts: Record<string, object>; asked?: Record<string, number> };
    state.plaintexts['dev-bob:b-2'] = { ...state.plaintexts['dev-bob:b-2'], eventId: 'event-b-2', keyId: 'key-b', counter: 2 };
    state.asked = { 'dev-carol:key-9': 1234 };
    const envelopes = await readFile(join(FIXTURE, 'bob-envelopes.json'), 'utf8');
    const result = await page.evaluate(([s, e]) => (window as unknown as HarnessWindow).e2eHarness.migrate(s, e), [JSON.stringify(state), envelopes] as const);
    expect(result).toMatchObject({ plaintexts: ['alice says 0', 'alice says 1', 'alice says 2', 'bob says 2'], firstEvent: 'event-b-2', asked: 1234, legacyRowLeft: false });
  });
});

describe.runIf(!haveChromium)('IndexedDbE2EStore in Chromium', () => {
  it('needs chromium; .ci/run installs it', () => {
    expect(haveChromium).toBe(false);
  });
});
