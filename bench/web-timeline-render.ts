// The web client's timeline (web/src/components/timeline.tsx, virtualized) rendering 10,000 messages
// of varied height in headless Chromium: the time from the render call until the browser has painted
// it, then the time of a jump to a message 6,000 back. Uses the timeline's test page
// (web/src/timeline/timeline.harness.tsx), bundled with esbuild.
// Standalone: node dist-bench/web-timeline-render.js   (prints the docs/benchmarks.md section)
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { serveHarness } from '../test/support/browser-harness.js';

const ROOT = resolve(import.meta.dirname, '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Medians in ms over `runs` fresh renders (each a new React root). */
export interface TimelineRender {
  readonly messages: number;
  readonly runs: number;
  readonly renderMs: number;
  readonly renderMaxMs: number;
  readonly jumpMs: number;
  /** Rows in the page after the render (the rest are not drawn). */
  readonly rowsInPage: number;
}

interface HarnessWindow {
  timelineHarness: { render(count: number): Promise<number>; search(q: string): string | null; jump(id: string): Promise<void> };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Renders the timeline `runs` times with `messages` messages in a 1000×800 page. */
export async function webTimelineRender(messages = 10_000, runs = 5): Promise<TimelineRender> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)`);
  const page = await serveHarness(resolve(ROOT, 'web/src/timeline/timeline.harness.tsx'), { stylesheet: resolve(ROOT, 'web/src/styles.css') });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const tab = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    await tab.goto(page.url);
    await tab.waitForFunction(() => 'timelineHarness' in window);
    const renders: number[] = [];
    const jumps: number[] = [];
    let rowsInPage = 0;
    // One warm-up render (the page's first JIT and layout) is not counted.
    await tab.evaluate((n) => (window as unknown as HarnessWindow).timelineHarness.render(n), messages);
    for (let i = 0; i < runs; i++) {
      renders.push(await tab.evaluate((n) => (window as unknown as HarnessWindow).timelineHarness.render(n), messages));
      rowsInPage = await tab.locator('.timeline [role=listitem]').count();
      jumps.push(
        await tab.evaluate(async (target) => {
          const h = (window as unknown as HarnessWindow).timelineHarness;
          const id = h.search(`"second line of #${target}"`) as string;
          const t0 = performance.now();
          await h.jump(id);
          return performance.now() - t0;
        }, Math.max(1, messages - 6_000 - (messages - 6_000) % 7)),
      );
    }
    return { messages, runs, renderMs: median(renders), renderMaxMs: Math.max(...renders), jumpMs: median(jumps), rowsInPage };
  } finally {
    await browser.close();
    await page.close();
  }
}

/** The docs/benchmarks.md section (or the reason it failed). */
export function webTimelineSection(r: TimelineRender | string): string {
  if (typeof r === 'string') return r;
  return `The web client's timeline with ${r.messages.toLocaleString('en-US')} messages (one to five lines each) in headless Chromium, 1000×800:
the time from React's render call until the browser painted it (two animation frames after the commit), median of
${r.runs} fresh renders after one warm-up; and a jump to a message 6,000 back (found by the private-room search engine).
Only the rows in view and a few beyond are in the page (TanStack Virtual).

| messages | render to paint, median | worst | jump 6,000 back, median | rows in the page |
|---|---|---|---|---|
| ${r.messages.toLocaleString('en-US')} | ${r.renderMs.toFixed(0)} ms | ${r.renderMaxMs.toFixed(0)} ms | ${r.jumpMs.toFixed(0)} ms | ${r.rowsInPage} |

Target: 10,000 messages scroll smoothly (a render of the page's rows only, whatever the history's length).`;
}

if (/web-timeline-render\.[jt]s$/.test(process.argv[1] ?? '') && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  webTimelineRender().then(
    (r) => process.stdout.write(`${webTimelineSection(r)}\n`),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
