import { defineConfig } from 'tsup';

// Two binaries. Splitting keeps every lazily imported command in its own chunk so `chat --help`
// loads almost nothing. The CLI bundles its dependencies (all but the native keychain and LMDB bindings):
// resolving hundreds of small files of zod, conf and ajv at every start cost more than running them.
// The banner gives bundled CommonJS a real `require` for Node's built-ins. `npm run build` empties
// dist/ first (the two builds share it, so neither may clean it).
export default defineConfig([
  {
    // The embedded database runs in a worker thread started from its own file (see server/store/pglite-worker.ts).
    entry: { 'server/main': 'server/main.ts', 'server/pglite-worker': 'server/store/pglite-worker.ts' },
    format: 'esm',
    target: 'node20',
    platform: 'node',
    splitting: true,
    sourcemap: true,
    outDir: 'dist',
  },
  {
    entry: { 'cli/main': 'cli/main.ts' },
    format: 'esm',
    target: 'node20',
    platform: 'node',
    splitting: true,
    sourcemap: true,
    outDir: 'dist',
    // Ink and React stay outside (Ink loads Yoga's WebAssembly itself; the TUI is imported lazily).
    noExternal: [/^(?!@napi-rs\/keyring|lmdb|ink|react|yoga-layout).*/],
    banner: { js: "import { createRequire as __chatCreateRequire } from 'node:module'; const require = __chatCreateRequire(import.meta.url);" },
  },
]);
