import { mkdtemp, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';

/** A server with a web client to serve. */
let t: TestServer;
beforeAll(async () => {
  const webRoot = await mkdtemp(join(tmpdir(), 'chat-web-'));
  await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>chat</title>');
  t = await startTestServer({ webRoot });
});
afterAll(async () => {
  await t.stop();
});

/** The page's headers, asked for with these request headers (Host may name any host, as over a LAN). */
function headersOf(path: string, headers: Record<string, string>): Promise<Record<string, string | string[] | undefined>> {
  const url = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.headers));
    });
    req.once('error', reject);
    req.end();
  });
}

describe('the security headers', () => {
  it('keep the page working over plain HTTP on any host: no upgrade-insecure-requests, no HSTS', async () => {
    for (const path of ['/', '/invite/abc', '/api/docs', '/api/v1/me']) {
      const headers = await headersOf(path, { host: '192.168.1.20:8787' });
      const csp = String(headers['content-security-policy'] ?? '');
      expect(csp, path).toMatch(/default-src 'self'/);
      expect(csp, path).toMatch(/script-src 'self'/);
      expect(csp, path).not.toMatch(/upgrade-insecure-requests/);
      expect(headers['strict-transport-security'], path).toBeUndefined();
    }
  });

  it('send HSTS when the request came over HTTPS through a trusted proxy', async () => {
    const headers = await headersOf('/', { host: 'chat.example', 'x-forwarded-proto': 'https' });
    expect(headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(String(headers['content-security-policy'])).not.toMatch(/upgrade-insecure-requests/);
  });
});
