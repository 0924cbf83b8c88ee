import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';

const PAGE = '<!doctype html><title>chat web client</title>';
let t: TestServer;
beforeAll(async () => {
  const webRoot = await mkdtemp(join(tmpdir(), 'chat-web-'));
  await writeFile(join(webRoot, 'index.html'), PAGE);
  t = await startTestServer({ webRoot });
});
afterAll(async () => {
  await t?.stop();
});

describe('the web client routes', () => {
  it.each(['/', '/rooms/lobby', '/rooms/some%20room', '/invite/abcdefghijklmnopqrstuvwxyz', '/settings'])('serves the page at %s, so a reload of a deep link works', async (path) => {
    const res = await fetch(`${t.url}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(await res.text()).toBe(PAGE);
  });

  it('answers 404 for paths that are neither the app nor the API', async () => {
    for (const path of ['/nope', '/api/v1/nope', '/settings/extra/deeper']) {
      const res = await fetch(`${t.url}${path}`);
      expect(res.status).toBe(404);
    }
  });
});
