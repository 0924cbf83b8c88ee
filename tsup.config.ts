import { defineConfig } from 'tsup';

// Two binaries. Dependencies stay external (installed from package.json); splitting keeps every
// lazily imported command in its own chunk so `chat --help` loads almost nothing.
export default defineConfig({
  entry: { 'server/main': 'server/main.ts', 'cli/main': 'cli/main.ts' },
  format: 'esm',
  target: 'node20',
  platform: 'node',
  splitting: true,
  sourcemap: true,
  clean: true,
  outDir: 'dist',
});
