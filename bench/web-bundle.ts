// The web client's JavaScript as a browser downloads it: gzip sizes of what the first page needs, read
// from the build's manifest (web/dist/.vite/manifest.json): the entry with every chunk it imports
// statically (all a signed-out visitor's sign-in page loads), and that plus the signed-in frame's and
// the room directory's chunks and their imports (the first page once signed in, `/`; both load on
// demand, web/src/app.tsx). The goal is at most 250 KB gzip for the first.
// Standalone: node dist-bench/web-bundle.js   (after `npm run build`; prints the docs/benchmarks.md section)
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

/** One chunk of vite's build manifest (the fields used here). */
interface ManifestChunk {
  readonly file: string;
  readonly isEntry?: boolean;
  readonly imports?: readonly string[];
  readonly dynamicImports?: readonly string[];
}

/** Gzip sizes in bytes (gzip level 9, as servers and CDNs commonly serve them). */
export interface WebBundleSize {
  /** The sign-in page: the entry and its static imports. */
  readonly firstPage: { readonly files: number; readonly raw: number; readonly gzip: number };
  /** `/` signed in: the above plus the signed-in frame's and the directory page's chunks and their static imports. */
  readonly signedInHome: { readonly files: number; readonly raw: number; readonly gzip: number };
  /** Every JavaScript chunk of the build. */
  readonly all: { readonly files: number; readonly raw: number; readonly gzip: number };
}

/** The first page's goal: at most this many bytes of gzipped JavaScript. */
export const FIRST_PAGE_GOAL = 250 * 1024;

/** Weighs the built web client in `webDist` (web/dist). Throws when it has not been built. */
export function webBundleSize(webDist: string): WebBundleSize {
  const manifest = JSON.parse(readFileSync(join(webDist, '.vite/manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
  const closure = (keys: readonly string[]): Set<string> => {
    const seen = new Set<string>();
    const visit = (key: string) => {
      if (seen.has(key)) return;
      seen.add(key);
      for (const next of manifest[key]?.imports ?? []) visit(next);
    };
    keys.forEach(visit);
    return seen;
  };
  const weigh = (keys: Iterable<string>) => {
    let raw = 0;
    let gzip = 0;
    let files = 0;
    for (const key of keys) {
      const file = manifest[key]?.file;
      if (!file?.endsWith('.js')) continue;
      const bytes = readFileSync(join(webDist, file));
      raw += bytes.length;
      gzip += gzipSync(bytes, { level: 9 }).length;
      files++;
    }
    return { files, raw, gzip };
  };
  const entries = Object.keys(manifest).filter((k) => manifest[k]?.isEntry);
  const directory = Object.keys(manifest).filter((k) => k.endsWith('chat-layout.tsx') || k.endsWith('directory-page.tsx'));
  return {
    firstPage: weigh(closure(entries)),
    signedInHome: weigh(closure([...entries, ...directory])),
    all: weigh(Object.keys(manifest)),
  };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** The docs/benchmarks.md section. */
export function webBundleSection(size: WebBundleSize): string {
  const row = (name: string, s: WebBundleSize['all']) => `| ${name} | ${s.files} | ${kb(s.raw)} | ${kb(s.gzip)} |`;
  return [
    `JavaScript a browser downloads, gzip level 9; the goal for the first page is at most ${kb(FIRST_PAGE_GOAL)} (${size.firstPage.gzip <= FIRST_PAGE_GOAL ? 'met' : 'NOT met'}). The signed-in frame, each page and the private search index load their own chunks on demand (code splitting: docs/architecture.md).`,
    '',
    '| what | files | raw | gzip |',
    '|---|---|---|---|',
    row('first page (sign-in): entry and its imports', size.firstPage),
    row('signed-in home (/): plus the signed-in frame and the directory page', size.signedInHome),
    row('every chunk', size.all),
    '',
  ].join('\n');
}

// Run on its own only as its own file (bundled into run.js, import.meta.url is run.js's).
if (/web-bundle\.[jt]sx?$/.test(process.argv[1] ?? '') && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(`${webBundleSection(webBundleSize(resolve(import.meta.dirname, '../web/dist')))}\n`);
}
