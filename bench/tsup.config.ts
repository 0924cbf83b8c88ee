import { defineConfig } from 'tsup';

// The benchmark programs, built apart from the product into dist-bench/.
export default defineConfig({
  entry: {
    run: 'bench/run.ts',
    'load-generator': 'bench/load-generator.ts',
    'bare-ws-server': 'bench/targets/bare-ws-server.ts',
    'socketio-server': 'bench/targets/socketio-server.ts',
    'idle-sockets': 'bench/idle-sockets.ts',
    'append-cost': 'bench/append-cost.ts',
    'connect-storm': 'bench/connect-storm.ts',
    'search-latency': 'bench/search-latency.ts',
    'e2e-store-latency': 'bench/e2e-store-latency.ts',
    'composer-latency': 'bench/composer-latency.tsx',
    'web-bundle': 'bench/web-bundle.ts',
    'web-timeline-render': 'bench/web-timeline-render.ts',
  },
  format: 'esm',
  target: 'node20',
  platform: 'node',
  splitting: false,
  skipNodeModulesBundle: true,
  // A JSON package imported with `with { type: 'json' }` loses the attribute when left external, and Node
  // refuses a bare JSON import: bundle it (the product's bundles do the same).
  noExternal: ['tlds'],
  clean: true,
  outDir: 'dist-bench',
});
