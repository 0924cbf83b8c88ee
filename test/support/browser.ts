import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';

/** Debian's Chromium (or CHROMIUM_PATH): browser tests never download a browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether the browser is installed here; browser suites run only then (`describe.runIf(haveChromium)`). */
export const haveChromium = existsSync(CHROMIUM);

/** Headless Chromium for a suite (close it in `afterAll`). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/**
 * Signs in (or, with `register`, registers) through the web client's form at `url` and waits for the
 * signed-in frame (its Settings link).
 */
export async function signInWithForm(page: Page, url: string, username: string, password: string, options: { readonly register?: boolean } = {}): Promise<void> {
  await page.goto(url);
  if (options.register) await page.getByRole('button', { name: 'New here? Register' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: options.register ? 'Register' : 'Sign in' }).click();
  await page.getByRole('link', { name: 'Settings' }).waitFor();
}
