import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Browser, Locator, Page } from 'playwright-core';
import { chromium } from 'playwright-core';

/** Debian's Chromium (or CHROMIUM_PATH): browser tests never download a browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether the browser is installed here; browser suites run only then (`describe.runIf(haveChromium)`). */
export const haveChromium = existsSync(CHROMIUM);

/** The password browser tests register with. */
export const BROWSER_PASSWORD = 'correct horse battery';

/** Headless Chromium for a suite (close it in `afterAll`); never a downloaded browser. */
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

/** Registers `username` through the sign-in page's form and waits for the signed-in frame. */
export async function registerInPage(page: Page, url: string, username: string, password: string = BROWSER_PASSWORD): Promise<void> {
  await signInWithForm(page, url, username, password, { register: true });
}

/** The message row (a list item of the web timeline) that shows `text`. */
export function messageRow(page: Page, text: string | RegExp): Locator {
  return page.getByRole('list', { name: 'Messages' }).getByRole('listitem').filter({ hasText: text });
}

/** Runs one action of the toolbar of the message that shows `text` (the toolbar is shown on hover). */
export async function messageAction(page: Page, text: string, action: 'Reply' | 'React' | 'Edit' | 'Delete'): Promise<void> {
  const message = messageRow(page, text);
  await message.hover();
  await message.getByRole('toolbar').getByRole('button', { name: action }).click();
}

let axeSource: Promise<string> | null = null;

/**
 * The serious and critical axe-core violations on the page as it is now, as `rule: first element`.
 * Axe is injected as a script, so the page's context needs `bypassCSP: true`.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  axeSource ??= readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: await axeSource });
  return page.evaluate(async () => {
    const w = window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } };
    const result = await w.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes[0]?.target.join(' ')}`);
  });
}
