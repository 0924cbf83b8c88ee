import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The web client, built into web/dist and served by chat-server at `/` (no second server).
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react(), tailwindcss()],
  // The manifest says which chunks each page loads (bench/web-bundle.ts weighs the first page by it).
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022', manifest: true },
  server: { proxy: { '/api': 'http://localhost:8787', '/ws': { target: 'ws://localhost:8787', ws: true } } },
});
