import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';

/** A page on 127.0.0.1 that runs one bundled harness script. */
export interface HarnessPage {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Bundles `entry` (a browser harness, TypeScript or TSX) with esbuild and serves it on a free port of
 * 127.0.0.1 in a page with the web client's stylesheet (or `stylesheet`) and a `#root` of `width` × `height`
 * CSS pixels (default 800 × 600).
 */
export async function serveHarness(
  entry: string,
  options: { readonly width?: number; readonly height?: number; readonly stylesheet?: string } = {},
): Promise<HarnessPage> {
  const size = { width: options.width ?? 800, height: options.height ?? 600 };
  const bundle = await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', jsx: 'automatic', write: false, define: { 'process.env.NODE_ENV': '"production"' } });
  const script = (bundle.outputFiles[0] as { text: string }).text;
  const css = await readFile(options.stylesheet ?? join(import.meta.dirname, '../../web/src/styles.css'), 'utf8');
  const html = `<!doctype html><html><head><meta charset="utf-8"><style>${css}</style></head><body><div id="root" style="width:${size.width}px;height:${size.height}px;display:flex;flex-direction:column"></div><script type="module" src="/harness.js"></script></body></html>`;
  const server = createServer((req, res) => {
    if (req.url === '/harness.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
